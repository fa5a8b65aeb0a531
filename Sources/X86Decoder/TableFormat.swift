// The packed table format shared by the generator (X86OpcodeMap) and the decoder.
//
// The decode tree lives in one `[UInt32]` (`nodes`). The first 16 × 256 entries are the roots,
// one per (opcode map, opcode byte). Every entry is one of:
//
//   bits 31-30  tag: 0 invalid, 1 leaf, 2 switch
//   bit  29     the encoding has a ModRM byte (valid for the whole subtree below this entry)
//   invalid:    bits 0-7   InvalidReason raw value
//   leaf:       bits 0-15  form index (into `forms` / `formOperands`)
//   switch:     bits 24-27 SwitchKind, bit 23 f64, bit 22 d64 (for operand-size switches),
//               bits 0-21  index of the first child; the children are contiguous, one per value.
//
// A form is one instruction form (one line of the map): `forms[i]` packs the mnemonic, the
// immediate kind and attribute flags; `formOperands[i]` packs up to five operand specs.

/// The opcode maps, in the order of their root blocks.
public enum OpcodeMap: UInt8, CaseIterable, Sendable, Codable {
    case legacy = 0, map0F, map0F38, map0F3A, amd3DNow
    case vex1, vex2, vex3
    case evex1, evex2, evex3, evex5, evex6
    case xop8, xop9, xopA

    /// The name used by the opcode map's `[map NAME]` headers and in reports.
    public var name: String {
        switch self {
        case .legacy: "legacy"
        case .map0F: "0f"
        case .map0F38: "0f38"
        case .map0F3A: "0f3a"
        case .amd3DNow: "3dnow"
        case .vex1: "vex1"
        case .vex2: "vex2"
        case .vex3: "vex3"
        case .evex1: "evex1"
        case .evex2: "evex2"
        case .evex3: "evex3"
        case .evex5: "evex5"
        case .evex6: "evex6"
        case .xop8: "xop8"
        case .xop9: "xop9"
        case .xopA: "xopa"
        }
    }

    public init?(name: String) {
        guard let m = OpcodeMap.allCases.first(where: { $0.name == name }) else { return nil }
        self = m
    }
}

/// What a switch node selects on, in the order the generator nests them.
public enum SwitchKind: UInt8, CaseIterable, Sendable {
    /// From a value the generated tables hold (always a valid case: cases are 0…n-1, so the
    /// raw value is the representation).
    @inline(__always) init(trusted raw: UInt8) { self = unsafeBitCast(raw, to: SwitchKind.self) }

    case vendor = 0  // intel, amd
    case mode  // not 64-bit, 64-bit
    case prefix  // none, 66, f3, f2
    case w  // W0, W1
    case l  // L0, L1, L2, L3
    case mod  // memory, register
    case reg  // ModRM.reg 0-7
    case rm  // ModRM.rm 0-7
    case operandSize  // 16, 32, 64
    case addressSize  // 16, 32, 64
    case rexB  // REX.B 0, 1

    /// The order switches nest in. Mode comes last so that a form missing only in this mode is
    /// reported as `invalidInMode`; vendor first because it decides whether UD0 has a ModRM.
    public static let nestingOrder: [SwitchKind] = [.vendor, .prefix, .w, .l, .mod, .reg, .rm, .operandSize, .addressSize, .rexB, .mode]

    public var fanOut: Int {
        switch self {
        case .vendor, .mode, .w, .mod, .rexB: 2
        case .prefix, .l: 4
        case .reg, .rm: 8
        case .operandSize, .addressSize: 3
        }
    }
}

/// How the immediate bytes of a form are laid out.
public enum ImmediateKind: UInt8, Sendable {
    @inline(__always) init(trusted raw: UInt8) { self = unsafeBitCast(raw, to: ImmediateKind.self) }

    case none = 0
    case ib  // 1 byte
    case iw  // 2 bytes
    case id  // 4 bytes
    case iz  // 2 or 4 by operand size
    case iv  // 2, 4 or 8 by operand size (MOV r, imm64)
    case iwIb  // ENTER: 2 + 1
    case ibIb  // EXTRQ/INSERTQ: 1 + 1
    case farPointer  // Ap: 2 + (2 or 4) by operand size
    case moffs  // 2, 4 or 8 by address size
    case jb  // rel8
    case jz  // rel16 or rel32 (vendor rule in 64-bit mode)
    case suffix3DNow  // the 3DNow! opcode byte after ModRM/SIB/disp
}

/// Attribute flags of a form (bits 17-47 of `forms[i]`).
public struct FormFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// The flags field of a packed form word (FormLayout).
    @inline(__always) public init(formBits: UInt64) { rawValue = (formBits >> FormLayout.flagsShift) & 0x7FFF_FFFF }
    public static let lock = FormFlags(rawValue: 1 << 0)
    public static let d64 = FormFlags(rawValue: 1 << 1)
    public static let f64 = FormFlags(rawValue: 1 << 2)
    public static let rep = FormFlags(rawValue: 1 << 3)
    public static let repe = FormFlags(rawValue: 1 << 4)
    public static let repne = FormFlags(rawValue: 1 << 5)
    public static let mask = FormFlags(rawValue: 1 << 6)  // EVEX {k}
    public static let zeroing = FormFlags(rawValue: 1 << 7)  // EVEX {z}
    public static let maskRequired = FormFlags(rawValue: 1 << 8)
    public static let broadcast32 = FormFlags(rawValue: 1 << 9)
    public static let broadcast64 = FormFlags(rawValue: 1 << 10)
    public static let rounding = FormFlags(rawValue: 1 << 11)
    public static let sae = FormFlags(rawValue: 1 << 12)
    public static let vsib = FormFlags(rawValue: 1 << 13)
    public static let vsibHalf = FormFlags(rawValue: 1 << 14)
    public static let ignoreWOutside64 = FormFlags(rawValue: 1 << 15)
    public static let sse = FormFlags(rawValue: 1 << 16)
    public static let usesVVVV = FormFlags(rawValue: 1 << 17)  // derived: an operand reads vvvv
    public static let hasModRM = FormFlags(rawValue: 1 << 18)
    public static let memoryOnly = FormFlags(rawValue: 1 << 19)  // derived: an M operand
    public static let registerOnly = FormFlags(rawValue: 1 << 20)  // derived: R/U/N/KR operand
    public static let modIgnored = FormFlags(rawValue: 1 << 21)  // MOV CR/DR: ModRM is always a register
    public static let usesV2 = FormFlags(rawValue: 1 << 22)  // derived: EVEX.V' extends vvvv (vector H)
    public static let broadcast16 = FormFlags(rawValue: 1 << 23)  // EVEX {1toN} of 16-bit elements (FP16)
    public static let distinctRegisters = FormFlags(rawValue: 1 << 24)  // gathers, AMX: all pairs differ
    public static let noRIPRelative = FormFlags(rawValue: 1 << 25)  // MPX BNDLDX/BNDSTX (MIB addressing)
    public static let maskOperand = FormFlags(rawValue: 1 << 26)  // derived: a k0-k7 or tmm0-tmm7 operand (VEX/EVEX)
    public static let distinctFromDestination = FormFlags(rawValue: 1 << 27)  // complex FP16: dest differs from each source
}

/// EVEX disp8*N tuple types (SDM Vol. 2, 2.7.5). `t1b`/`t1w` are Tuple1 Scalar with byte/word
/// elements (VPCOMPRESSB/W, VPEXPANDB/W), where W does not give the element size.
public enum TupleType: UInt8, Sendable, CaseIterable {
    @inline(__always) init(trusted raw: UInt8) { self = unsafeBitCast(raw, to: TupleType.self) }

    case none = 0, fv, hv, qv, ov, fvm, hvm, qvm, ovm, t1s, t1f, t2, t4, t8, m128, dup, t1b, t1w

    public init?(name: String) {
        let names = ["", "fv", "hv", "qv", "ov", "fvm", "hvm", "qvm", "ovm", "t1s", "t1f", "t2", "t4", "t8", "m128", "dup", "t1b", "t1w"]
        guard let i = names.firstIndex(of: name), i > 0 else { return nil }
        self.init(rawValue: UInt8(i))
    }
}

/// Layout of one packed form (`forms[i]`).
public enum FormLayout {
    public static let mnemonicBits: UInt64 = 0xFFF  // bits 0-11
    public static let immediateShift: UInt64 = 12  // bits 12-16
    public static let flagsShift: UInt64 = 17  // bits 17-47
    public static let tupleShift: UInt64 = 48  // bits 48-52
    public static let operandCountShift: UInt64 = 53  // bits 53-55

    @inline(__always)
    public static func pack(mnemonic: Int, immediate: ImmediateKind, flags: FormFlags, tuple: TupleType, operandCount: Int) -> UInt64 {
        UInt64(mnemonic) | UInt64(immediate.rawValue) << immediateShift | flags.rawValue << flagsShift
            | UInt64(tuple.rawValue) << tupleShift | UInt64(operandCount) << operandCountShift
    }
}

/// Node entry encoding (see the top of this file).
public enum NodeLayout {
    public static let tagShift: UInt32 = 30
    public static let tagInvalid: UInt32 = 0
    public static let tagLeaf: UInt32 = 1
    public static let tagSwitch: UInt32 = 2
    public static let modrmBit: UInt32 = 1 << 29
    public static let kindShift: UInt32 = 24
    public static let f64Bit: UInt32 = 1 << 23
    public static let d64Bit: UInt32 = 1 << 22
    public static let childMask: UInt32 = (1 << 22) - 1

    @inline(__always) public static func invalid(_ reason: InvalidReason) -> UInt32 { UInt32(reason.rawValue) }
    @inline(__always) public static func leaf(_ form: Int, modrm: Bool) -> UInt32 {
        tagLeaf << tagShift | (modrm ? modrmBit : 0) | UInt32(form)
    }
    @inline(__always) public static func switchNode(_ kind: SwitchKind, child: Int, modrm: Bool, d64: Bool, f64: Bool) -> UInt32 {
        tagSwitch << tagShift | (modrm ? modrmBit : 0) | UInt32(kind.rawValue) << kindShift
            | (d64 ? d64Bit : 0) | (f64 ? f64Bit : 0) | UInt32(child)
    }
}
