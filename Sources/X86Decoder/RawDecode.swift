/// Everything the core decoder learns about one instruction before operands are built:
/// plain integers, no references, so the length path stays allocation-free.

struct RawDecode {
    // Legacy prefixes.
    var lock = false
    var operandSizePrefix = false
    var addressSizePrefix = false
    var rep: UInt8 = 0  // the last of F2/F3
    var segment: UInt8 = 0xFF  // overriding segment register number, 0xFF: none
    var prefixCount = 0
    // REX (legacy encodings) or the VEX/EVEX/XOP payload, un-inverted.
    var rex: UInt8 = 0
    var rexPos = -1
    var kind = EncodingKind.legacy
    var vexPos = 0
    var vexSize = 0
    var r: UInt8 = 0  // ModRM.reg extension (REX.R / VEX.R)
    var x: UInt8 = 0
    var b: UInt8 = 0
    var r2: UInt8 = 0  // EVEX.R'
    var w: UInt8 = 0
    var vvvv: UInt8 = 0  // register number in vvvv (0-15), V' adds 16
    var v2: UInt8 = 0
    var l: UInt8 = 0  // VEX.L or EVEX.L'L
    var pp: UInt8 = 0
    var evexZ = false
    var evexAAA: UInt8 = 0
    var evexB = false
    // Opcode.
    var map = OpcodeMap.legacy
    var opcode: UInt8 = 0
    var opcodePos = 0
    var opcodeSize = 0
    // ModRM and what follows.
    var hasModRM = false
    var modrm: UInt8 = 0
    var modrmPos = 0
    var hasSIB = false
    var sib: UInt8 = 0
    var sibPos = 0
    var dispPos = 0
    var dispSize = 0
    var immPos = 0
    var immSize = 0
    var imm2Size = 0
    // Result.
    var form = 0
    var formBits: UInt64 = 0
    var operandSize = 32
    var addressSize = 64
    var length = 0

    @inline(__always) var mod: UInt8 { modrm >> 6 }
    @inline(__always) var regField: UInt8 { (modrm >> 3) & 7 }
    @inline(__always) var rmField: UInt8 { modrm & 7 }
    @inline(__always) var isRegisterForm: Bool { modrm >= 0xC0 }
    @inline(__always) var flags: FormFlags { FormFlags(formBits: formBits) }
    @inline(__always) var tuple: TupleType {
        TupleType(trusted: UInt8(truncatingIfNeeded: (formBits >> FormLayout.tupleShift) & 0x1F))
    }
    @inline(__always) var operandCount: Int { Int((formBits >> FormLayout.operandCountShift) & 7) }
    /// The mandatory-prefix selector value: 0 none, 1 66, 2 F3, 3 F2.
    @inline(__always) var prefixSelector: Int {
        if kind != .legacy { return Int(pp) }
        return rep == 0xF3 ? 2 : rep == 0xF2 ? 3 : operandSizePrefix ? 1 : 0
    }
}
