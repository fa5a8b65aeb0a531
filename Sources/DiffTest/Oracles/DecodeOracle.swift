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
