/// A memory operand: `segment:[base + index*scale + displacement]`.
public struct MemoryOperand: Hashable, Sendable {
    /// The segment actually used, after the override rules of the mode.
    public var segment: Register
    public var base: Register?
    public var index: Register?
    public var scale: UInt8
    /// Signed displacement (EVEX disp8 already multiplied by N). For moffs, the offset itself.
    public var displacement: Int64
    /// Access size in bytes; 0 when the form does not define one (LEA, FXSAVE's area, …).
    public var size: UInt16
    /// EVEX embedded broadcast: the element size in bytes (4 or 8), or 0.
    public var broadcast: UInt8
}

/// One explicit operand, destination first.
public enum Operand: Hashable, Sendable {
    case register(Register)
    case memory(MemoryOperand)
    /// Immediate as the CPU uses it: extended to `size` bytes (sign- or zero- as the form says).
    case immediate(value: UInt64, size: UInt8)
    /// Relative branch: the absolute target (address of the next instruction + offset, wrapped
    /// to the operand size) and the size of the offset field in bytes.
    case relative(target: UInt64, size: UInt8)
    /// `Ap`: selector and offset.
    case farPointer(selector: UInt16, offset: UInt32)
}

/// How the instruction is encoded.
public enum EncodingKind: UInt8, Sendable, Codable {
    case legacy, vex2, vex3, evex, xop
}

/// Where each part of the instruction lies: offsets and sizes in bytes (size 0: absent).
/// The segments tile the instruction exactly, in this order.
public struct EncodingLayout: Hashable, Sendable {
    public var prefixCount: UInt8 = 0
    public var rexOffset: UInt8 = 0, rexSize: UInt8 = 0
    public var vexOffset: UInt8 = 0, vexSize: UInt8 = 0  // C4/C5/62/8F and its payload
    public var opcodeOffset: UInt8 = 0, opcodeSize: UInt8 = 0  // escape bytes and the opcode
    public var modrmOffset: UInt8 = 0, modrmSize: UInt8 = 0
    public var sibOffset: UInt8 = 0, sibSize: UInt8 = 0
    public var displacementOffset: UInt8 = 0, displacementSize: UInt8 = 0
    public var immediateOffset: UInt8 = 0, immediateSize: UInt8 = 0  // includes a 3DNow! suffix
    public var immediate2Offset: UInt8 = 0, immediate2Size: UInt8 = 0

    public init() {}
}

/// The EVEX decorations of an instruction.
public struct EvexDecorations: Hashable, Sendable {
    /// Opmask register number (0: no masking).
    public var mask: UInt8 = 0
    public var zeroing = false
    /// EVEX.b in a register form with embedded rounding / SAE: the rounding mode (0-3), or nil.
    public var rounding: UInt8?
    public var suppressAllExceptions = false
    public init() {}
}

/// A fully decoded instruction.
public struct Instruction: Sendable {
    public var mode: Mode
    public var vendor: Vendor
    public var length: Int
    public var map: OpcodeMap
    public var opcode: UInt8
    public var encoding: EncodingKind
    public var layout: EncodingLayout
    /// Effective operand and address size in bits.
    public var operandSize: Int
    public var addressSize: Int
    /// Legacy prefixes that change meaning: LOCK, REP (F3) / REPNE (F2) as the last of the two,
    /// and the segment override in force (nil when none applies in this mode).
    public var hasLock: Bool
    public var repPrefix: UInt8  // 0, 0xF3 or 0xF2
    public var segmentOverride: Register?
    public var evex: EvexDecorations
    /// Explicit operands, stored inline (no allocation per decode).
    public var operandCount: Int
    @usableFromInline var operandStorage: InlineArray<5, Operand>
    @usableFromInline var formIndex: Int

    @inlinable public func operand(at i: Int) -> Operand { operandStorage[i] }

    /// An empty instruction, to be filled by `X86Decoder.decode(_:address:into:)`.
    public init() {
        mode = .bits64
        vendor = .intel
        length = 0
        map = .legacy
        opcode = 0
        encoding = .legacy
        layout = EncodingLayout()
        operandSize = 32
        addressSize = 64
        hasLock = false
        repPrefix = 0
        segmentOverride = nil
        evex = EvexDecorations()
        operandCount = 0
        operandStorage = InlineArray(repeating: .immediate(value: 0, size: 0))
        formIndex = 0
    }

    /// Explicit operands, destination first (allocates; use `operand(at:)` on hot paths).
    public var operands: [Operand] { (0..<operandCount).map { operandStorage[$0] } }

    /// The mnemonic as the SDM spells it, lower case (`cmpxchg16b`, `vpaddd`).
    public var mnemonic: String { DecoderTables.shared.mnemonic(ofForm: formIndex) }

    /// Index of the mnemonic in `DecoderTables.shared.mnemonics` (stable within one build of the
    /// tables; resolve names to ids once, at start-up, not across versions).
    public var mnemonicID: Int { Int(DecoderTables.shared.form(formIndex) & FormLayout.mnemonicBits) }

    /// The map attributes of this form.
    public var flags: FormFlags { DecoderTables.shared.flags(ofForm: formIndex) }
}

/// Result of the cheap length path: a length (1…15) or the reason the bytes are invalid.
public struct LengthResult: Hashable, Sendable {
    /// The length (> 0) or minus the reason's raw value. A full word, not a byte: the length
    /// path's answer goes through without a truncation and a widening, which a linear sweep
    /// would wait on at every instruction.
    @usableFromInline let raw: Int

    @inlinable init(length: Int) { raw = length }
    @inlinable init(invalid: InvalidReason) { raw = -Int(invalid.rawValue) }
    /// From the length shortcut's answer: the length (> 0) or minus the reason's raw value.
    @inlinable init(shortcut: Int) { raw = shortcut }

    /// The length in bytes, or nil when invalid.
    @inlinable public var length: Int? { raw > 0 ? raw : nil }
    @inlinable public var isValid: Bool { raw > 0 }
    public var invalidReason: InvalidReason? { raw < 0 ? InvalidReason(rawValue: UInt8(-raw)) : nil }
}

/// Result of a full decode.
public enum DecodeResult: Sendable {
    case valid(Instruction)
    case invalid(InvalidReason)

    public var instruction: Instruction? {
        if case .valid(let i) = self { return i }
        return nil
    }
}
