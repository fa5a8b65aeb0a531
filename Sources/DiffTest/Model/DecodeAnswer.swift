import X86Decoder

/// One decode oracle's answer for one buffer, in the normalized model every oracle shares
/// (see Normalization.swift for the rules that bring Capstone and Zydis into it).
public struct DecodeAnswer: Codable, Equatable, Sendable {
    public var valid: Bool
    /// Length in bytes of the first instruction; nil when invalid.
    public var length: Int?
    /// Lower-case mnemonic without prefixes (`rep`, `lock`, `bnd` … are not part of it).
    public var mnemonic: String?
    /// Explicit operands, destination first.
    public var operands: [OperandAnswer]
    /// Why the bytes are invalid, in the oracle's own words (project: InvalidReason.name).
    public var reason: String?

    public init(valid: Bool, length: Int? = nil, mnemonic: String? = nil, operands: [OperandAnswer] = [], reason: String? = nil) {
        self.valid = valid
        self.length = length
        self.mnemonic = mnemonic
        self.operands = operands
        self.reason = reason
    }

    public static func invalid(_ reason: String) -> DecodeAnswer { DecodeAnswer(valid: false, reason: reason) }
}

/// One explicit operand in the normalized model.
public struct OperandAnswer: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case register, memory, immediate, relative, farPointer
    }

    public var kind: Kind
    /// Register name, lower case, full architectural name: `rax`, `r8d`, `spl`, `ah`, `xmm12`,
    /// `ymm3`, `zmm31`, `k1`, `st0` … `st7`, `mm2`, `cr0`, `dr7`, `es` … `gs`, `tmm0`.
    public var register: String?
    /// Memory: the segment actually used (after override rules), base, index, scale, displacement
    /// (signed, after disp8*N), size in bytes (nil when the oracle does not say or it is unsized).
    public var segment: String?
    public var base: String?
    public var index: String?
    public var scale: Int?
    public var displacement: Int64?
    /// Operand size in bytes (register, memory or immediate).
    public var size: Int?
    /// Immediate value as the CPU uses it, sign- or zero-extended to the operand size, as hex.
    public var value: String?
    /// Relative branch target (absolute, decoded at address 0), as hex.
    public var target: String?

    public init(kind: Kind, register: String? = nil, segment: String? = nil, base: String? = nil, index: String? = nil,
                scale: Int? = nil, displacement: Int64? = nil, size: Int? = nil, value: String? = nil, target: String? = nil) {
        self.kind = kind
        self.register = register
        self.segment = segment
        self.base = base
        self.index = index
        self.scale = scale
        self.displacement = displacement
        self.size = size
        self.value = value
        self.target = target
    }

    public static func reg(_ name: String, size: Int? = nil) -> OperandAnswer { OperandAnswer(kind: .register, register: name, size: size) }
}
