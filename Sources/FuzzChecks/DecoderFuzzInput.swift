import X86Decoder

/// The input format of the decoder and differential targets: byte 0 picks the mode, the vendor
/// and the instruction's address; the remaining bytes are the buffer, passed to the decoder as
/// they are (libFuzzer's heap copy of exactly that size, so AddressSanitizer sees any read past
/// the end).
///
/// Byte 0:  bits 0-1  mode: 0 and 3 → 64-bit (twice as likely), 1 → 32-bit, 2 → 16-bit
///          bit  2    vendor: 0 intel, 1 amd
///          bits 3-4  address: 0 → 0, 1 → 0x1000, 2 → 8 bytes below the top of the mode's
///                    address space, 3 → 0xffff_ffff_ffff_fff8 whatever the mode (wrap-around)
///          bits 5-7  unused
public struct DecoderFuzzInput {
    public var mode: Mode
    public var vendor: Vendor
    public var address: UInt64
    public var bytes: UnsafeRawBufferPointer

    /// Nil for the empty input (no header byte).
    public init?(_ data: UnsafeRawBufferPointer) {
        guard let h = data.first else { return nil }
        (mode, vendor, address) = Self.decodeHeader(h)
        bytes = UnsafeRawBufferPointer(rebasing: data[1...])
    }

    public static func decodeHeader(_ h: UInt8) -> (Mode, Vendor, UInt64) {
        let mode: Mode = switch h & 3 {
        case 1: .bits32
        case 2: .bits16
        default: .bits64
        }
        let vendor: Vendor = h & 4 != 0 ? .amd : .intel
        let address: UInt64 = switch (h >> 3) & 3 {
        case 0: 0
        case 1: 0x1000
        case 2: mode == .bits64 ? 0xFFFF_FFFF_FFFF_FFF8 : mode == .bits32 ? 0xFFFF_FFF8 : 0xFFF8
        default: 0xFFFF_FFFF_FFFF_FFF8
        }
        return (mode, vendor, address)
    }

    /// The header byte for a mode and vendor at address 0 (seed corpora, regression files).
    public static func header(mode: Mode, vendor: Vendor) -> UInt8 {
        let m: UInt8 = switch mode {
        case .bits64: 0
        case .bits32: 1
        case .bits16: 2
        }
        return m | (vendor == .amd ? 4 : 0)
    }

    /// `--mode 32 --vendor amd` as `difftest repro` and `difftest decode` take them.
    public var cliOptions: String { "--mode \(mode.bits) --vendor \(vendor.rawValue)" }
}
