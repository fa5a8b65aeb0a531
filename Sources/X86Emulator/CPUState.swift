import X86Decoder

/// The architectural user-mode state the emulator reads and writes: 16 GPRs, RIP, RFLAGS, the
/// six segment selectors and the FS/GS bases.
///
/// A plain struct mutated through `mutating` methods: nothing in the step loop touches a class
/// property. Open to system state later (CPL0 registers, modes) by adding fields; the step loop
/// only reads what it uses.
public struct CPUState: Sendable {
    /// RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8–R15 (the encoding order).
    public var gpr: InlineArray<16, UInt64>
    public var rip: UInt64
    public var rflags: UInt64
    /// ES, CS, SS, DS, FS, GS selectors (the encoding order of Sreg).
    public var segments: InlineArray<6, UInt16>
    public var fsBase: UInt64
    public var gsBase: UInt64

    /// The state of a fresh Linux x86-64 user thread: CS 0x33, SS 0x2b, DS/ES/FS/GS null,
    /// RFLAGS 0x202 (IF and the reserved bit 1).
    public init(rip: UInt64 = 0) {
        gpr = InlineArray(repeating: 0)
        self.rip = rip
        rflags = RFlags.fixed | RFlags.interrupt
        segments = [0, 0x33, 0x2B, 0, 0, 0]
        fsBase = 0
        gsBase = 0
    }

    @inlinable public subscript(gpr n: Int) -> UInt64 {
        get { gpr[n & 15] }
        set { gpr[n & 15] = newValue }
    }

    /// Reads a general-purpose register at its own width (zero-extended).
    @inlinable public func read(_ r: Register) -> UInt64 {
        let n = Int(r.number & 15)
        switch r.regClass {
        case .gpr8: return gpr[n] & 0xFF
        case .gpr8High: return (gpr[n & 3] >> 8) & 0xFF
        case .gpr16: return gpr[n] & 0xFFFF
        case .gpr32: return gpr[n] & 0xFFFF_FFFF
        case .gpr64: return gpr[n]
        case .segment: return UInt64(segments[Int(r.number) % 6])
        default: return 0
        }
    }

    /// Writes a general-purpose register: 8/16-bit writes merge, 32-bit writes zero-extend.
    @inlinable public mutating func write(_ r: Register, _ value: UInt64) {
        let n = Int(r.number & 15)
        switch r.regClass {
        case .gpr8: gpr[n] = gpr[n] & ~0xFF | value & 0xFF
        case .gpr8High: gpr[n & 3] = gpr[n & 3] & ~0xFF00 | (value & 0xFF) << 8
        case .gpr16: gpr[n] = gpr[n] & ~0xFFFF | value & 0xFFFF
        case .gpr32: gpr[n] = value & 0xFFFF_FFFF
        case .gpr64: gpr[n] = value
        default: break
        }
    }

    /// Writes `value` into GPR `n` at `size` bytes (1 means the low byte, never AH–BH).
    @inlinable public mutating func write(gpr n: Int, size: Int, _ value: UInt64) {
        switch size {
        case 1: gpr[n & 15] = gpr[n & 15] & ~0xFF | value & 0xFF
        case 2: gpr[n & 15] = gpr[n & 15] & ~0xFFFF | value & 0xFFFF
        case 4: gpr[n & 15] = value & 0xFFFF_FFFF
        default: gpr[n & 15] = value
        }
    }

    /// The register names in JSON and reports, in `gpr` order.
    public static let gprNames = [
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    ]
}

extension CPUState: Equatable {
    public static func == (a: CPUState, b: CPUState) -> Bool {
        for i in 0..<16 where a.gpr[i] != b.gpr[i] { return false }
        for i in 0..<6 where a.segments[i] != b.segments[i] { return false }
        return a.rip == b.rip && a.rflags == b.rflags && a.fsBase == b.fsBase && a.gsBase == b.gsBase
    }
}
