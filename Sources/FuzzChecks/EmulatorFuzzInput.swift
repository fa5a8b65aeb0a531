import X86Decoder
import X86Emulator

/// The input format of the emulator target: a machine state, a 64-byte data window, and the
/// code. Every byte string is a valid input (missing bytes read as zero).
///
/// ```
/// byte  0      config: bit 0 profile (0 amd, 1 intel); bit 1 alignment checking (CR0.AM);
///              bit 2 FS base = data window; bit 3 GS base = data window;
///              bits 5-6 REP iterations per step: 65536, 1, 3, 16 (small values exercise the
///              interrupted-REP path)
/// bytes 1-2    RFLAGS: byte 1 & d5 → CF PF AF ZF SF; byte 2 bit 2 DF, bit 3 OF, bit 7 AC,
///              bits 0 and 1 both set → TF (always with IF and the fixed bit 1)
/// bytes 3-18   one selector per GPR (RAX … R15), top two bits the kind, v the low six:
///              0: v          1: data window + v (a pointer; near the end, a partial access)
///              2: the 8 bytes of the data window at (v & 7) × 8 (any value)
///              3: v < 32: ~v (small negatives); else 1 << v (2^32 … 2^63)
/// bytes 19-82  the data window, mapped at `dataBase`
/// bytes 83-    the code, mapped at `codeBase` (RIP); a fetch past its end is a #PF
/// ```
public struct EmulatorFuzzInput {
    public static let codeBase: UInt64 = 0x40_0000
    public static let dataBase: UInt64 = 0x7000_0000
    public static let dataSize = 64
    public static let headerSize = 19
    public static let codeOffset = headerSize + dataSize

    public var state: CPUState
    public var profile: Vendor
    public var alignmentCheck: Bool
    public var repIterationsPerStep: Int
    public var memory: RegionMemory
    public var code: [UInt8]

    public init(_ data: UnsafeRawBufferPointer) {
        @inline(__always) func at(_ i: Int) -> UInt8 { i < data.count ? data[i] : 0 }
        let config = at(0)
        profile = config & 1 != 0 ? .intel : .amd
        alignmentCheck = config & 2 != 0
        repIterationsPerStep = [1 << 16, 1, 3, 16][Int((config >> 5) & 3)]
        var window: [UInt8] = (0..<Self.dataSize).map { at(Self.headerSize + $0) }
        code = data.count > Self.codeOffset ? Array(data[Self.codeOffset...]) : []

        var s = CPUState(rip: Self.codeBase)
        let f1 = UInt64(at(1)), f2 = UInt64(at(2))
        s.rflags |= f1 & 0xD5 | (f2 & 0x0C) << 8 | (f2 & 0x80 != 0 ? 1 << 18 : 0) | (f2 & 3 == 3 ? 1 << 8 : 0)
        for r in 0..<16 {
            let sel = at(3 + r), v = UInt64(sel & 63)
            switch sel >> 6 {
            case 0: s.gpr[r] = v
            case 1: s.gpr[r] = Self.dataBase + v
            case 2:
                var x: UInt64 = 0
                for k in 0..<8 { x |= UInt64(window[Int(v & 7) * 8 + k]) << UInt64(8 * k) }
                s.gpr[r] = x
            default: s.gpr[r] = v < 32 ? ~v : 1 << v
            }
        }
        if config & 4 != 0 { s.fsBase = Self.dataBase }
        if config & 8 != 0 { s.gsBase = Self.dataBase }
        state = s

        var m = RegionMemory()
        if !code.isEmpty { m.map(Self.codeBase, code) }
        m.map(Self.dataBase, window)
        window.removeAll()
        memory = m
    }

    /// An input with `code` and a default state: RSP in the middle of the window, RSI/RDI/RBX
    /// pointing into it, RCX 3 (REP counts), other registers small (seed corpora).
    public static func encode(code: [UInt8], profile: Vendor = .amd) -> [UInt8] {
        var out: [UInt8] = [profile == .intel ? 1 : 0, 0x00, 0x00]
        //        rax   rcx   rdx   rbx   rsp   rbp   rsi   rdi   r8 … r15
        out += [0x01, 0x03, 0x02, 0x48, 0x60, 0x70, 0x50, 0x58, 0x80, 0x81, 0x82, 0x83, 0xC1, 0x04, 0x05, 0x06]
        out += (0..<dataSize).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        return out + code
    }
}
