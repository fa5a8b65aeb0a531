import X86Decoder

/// Anything that can say what the first instruction of a buffer is: the project decoder,
/// Capstone, Zydis, and (later) the CPU's own length probe. One instance is used by one thread.
public protocol DecodeOracle: AnyObject {
    /// Short name used on the command line and in reports: `project`, `capstone`, `zydis`.
    var name: String { get }
    /// Library version, for reports (`4.0.2`).
    var version: String { get }
    /// Decodes the first instruction of `bytes` at `address` (relative targets are absolute).
    func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, address: UInt64) -> DecodeAnswer
    /// Length only (fast path for benchmarks and sweeps): nil when invalid.
    func length(_ bytes: UnsafeRawBufferPointer, mode: Mode, vendor: Vendor) -> Int?
}

/// A decode oracle that can show it agrees with the project without building its answer: the
/// campaign's common case, where the normalized answer would cost more than the decode.
public protocol ProjectAgreeingOracle: DecodeOracle {
    /// The oracle's answer for `bytes` at address 0, or nil when it is shown to equal the
    /// project's answer field by field (an invalid result: both invalid). A non-nil answer may
    /// still agree: the caller compares it. The project's result is given as
    /// `X86Decoder.decode(_:address:into:)` leaves it: `instruction` when `invalid` is nil,
    /// else the reason (`instruction` is then unspecified), so it is not copied into a
    /// `DecodeResult`.
    func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, unlessAgreeingWith instruction: Instruction,
                invalid: InvalidReason?) -> DecodeAnswer?
}

extension ProjectAgreeingOracle {
    /// The same with the project's result as a `DecodeResult`.
    public func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, unlessAgreeingWith result: DecodeResult) -> DecodeAnswer? {
        switch result {
        case .valid(let i): decode(bytes, mode: mode, vendor: vendor, unlessAgreeingWith: i, invalid: nil)
        case .invalid(let reason): decode(bytes, mode: mode, vendor: vendor, unlessAgreeingWith: Instruction(), invalid: reason)
        }
    }
}
