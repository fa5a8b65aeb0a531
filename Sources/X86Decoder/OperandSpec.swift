// Operand specifications as the opcode map writes them (SDM Appendix A notation), packed as
// 12 bits each: method (bits 6-11) and type (bits 0-5); five per form in `formOperands`.

/// Where an operand comes from (the SDM's addressing-method letter, plus fixed registers).
public enum OperandMethod: UInt8, Sendable, CaseIterable {
    @inline(__always) init(trusted raw: UInt8) { self = unsafeBitCast(raw, to: OperandMethod.self) }
    /// The method of operand `i` of a form's packed operand word (`formOperands`: 12 bits each).
    @inline(__always) init(in specs: UInt64, at i: Int) {
        self.init(trusted: UInt8(truncatingIfNeeded: (specs >> (UInt64(truncatingIfNeeded: i) &* 12 &+ 6)) & 0x3F))
    }

    case none = 0
    case farPointer  // A
    case vvvvGPR  // B
    case controlReg  // C
    case debugReg  // D
    case modrmRM  // E
    case modrmReg  // G
    case vvvvVector  // H
    case immediate  // I
    case immediateSignExtended  // Ibs
    case relative  // J
    case is4Vector  // L
    case memoryOnly  // M
    case mmxRM  // N (register only)
    case moffs  // O
    case mmxReg  // P
    case mmxRMOrMemory  // Q
    case gprRM  // R (register only)
    case segmentReg  // S
    case vectorRM  // U (register only)
    case vectorReg  // V
    case vectorRMOrMemory  // W
    case stringSource  // X
    case stringDestination  // Y
    case opcodeReg  // Z
    case maskReg  // K
    case maskVVVV  // KV
    case maskRMOrMemory  // KE
    case maskRM  // KR
    case tileReg  // T
    case tileRM  // TR
    case tileVVVV  // TV
    case x87RM  // STi
    case x87Top  // ST0
    case fixedAL, fixedCL, fixedDX, fixedAX, fixedEAX, fixedRAX  // AL CL DX AX eAX rAX
    case fixedES, fixedCS, fixedSS, fixedDS, fixedFS, fixedGS
    case constantOne  // 1
    case boundReg  // BR: MPX bound register in ModRM.reg
    case boundRMOrMemory  // BM: MPX bound register or memory in ModRM.rm

    /// The map's spelling of the method letter(s).
    public static let spellings: [(String, OperandMethod)] = [
        ("BR", .boundReg), ("BM", .boundRMOrMemory), ("KV", .maskVVVV), ("KE", .maskRMOrMemory), ("KR", .maskRM), ("TR", .tileRM), ("TV", .tileVVVV),
        ("A", .farPointer), ("B", .vvvvGPR), ("C", .controlReg), ("D", .debugReg), ("E", .modrmRM),
        ("G", .modrmReg), ("H", .vvvvVector), ("I", .immediate), ("J", .relative), ("L", .is4Vector),
        ("M", .memoryOnly), ("N", .mmxRM), ("O", .moffs), ("P", .mmxReg), ("Q", .mmxRMOrMemory),
        ("R", .gprRM), ("S", .segmentReg), ("U", .vectorRM), ("V", .vectorReg), ("W", .vectorRMOrMemory),
        ("X", .stringSource), ("Y", .stringDestination), ("Z", .opcodeReg), ("K", .maskReg), ("T", .tileReg),
    ]

    /// Whole-operand spellings that are not method + type.
    public static let fixed: [String: OperandMethod] = [
        "AL": .fixedAL, "CL": .fixedCL, "DX": .fixedDX, "AX": .fixedAX, "eAX": .fixedEAX, "rAX": .fixedRAX,
        "ES": .fixedES, "CS": .fixedCS, "SS": .fixedSS, "DS": .fixedDS, "FS": .fixedFS, "GS": .fixedGS,
        "ST0": .x87Top, "STi": .x87RM, "1": .constantOne, "Ibs": .immediateSignExtended,
    ]

    /// Operands that may be memory (ModRM.mod != 3 gives a memory operand).
    public var allowsMemory: Bool {
        switch self {
        case .modrmRM, .memoryOnly, .mmxRMOrMemory, .vectorRMOrMemory, .maskRMOrMemory, .boundRMOrMemory: true
        default: false
        }
    }
}

/// The operand's size class (the SDM's type letters, plus a few for vectors and x87).
public enum OperandType: UInt8, Sendable, CaseIterable {
    @inline(__always) init(trusted raw: UInt8) { self = unsafeBitCast(raw, to: OperandType.self) }

    case none = 0
    case b, w, d, q, dq, qq, oq, v, z, y, s, a, p, t, ps, pd, ss, sd, pi, si
    case x, h, qx, ox, e, st, fx, xs, mb, c, sh
    /// A 384-bit Key Locker handle (AESENC128KL m384): 48 bytes.
    case kl

    public static let spellings: [String: OperandType] = [
        "": .none, "b": .b, "w": .w, "d": .d, "q": .q, "dq": .dq, "qq": .qq, "oq": .oq, "v": .v, "z": .z,
        "y": .y, "s": .s, "a": .a, "p": .p, "t": .t, "ps": .ps, "pd": .pd, "ss": .ss, "sd": .sd, "pi": .pi,
        "si": .si, "x": .x, "h": .h, "qx": .qx, "ox": .ox, "e": .e, "st": .st, "fx": .fx, "xs": .xs, "mb": .mb,
        "c": .c, "sh": .sh, "kl": .kl,
    ]
}

/// One packed operand spec.
public struct OperandSpec: Hashable, Sendable {
    public var method: OperandMethod
    public var type: OperandType

    public init(method: OperandMethod, type: OperandType) {
        self.method = method
        self.type = type
    }

    @inline(__always) public var packed: UInt64 { UInt64(method.rawValue) << 6 | UInt64(type.rawValue) }

    /// From the generated tables (values known to be valid).
    @inline(__always) init(trusted packed: UInt64) {
        method = OperandMethod(trusted: UInt8(truncatingIfNeeded: (packed >> 6) & 0x3F))
        type = OperandType(trusted: UInt8(truncatingIfNeeded: packed & 0x3F))
    }

    @inline(__always) public init(packed: UInt64) {
        method = OperandMethod(rawValue: UInt8(truncatingIfNeeded: (packed >> 6) & 0x3F)) ?? .none
        type = OperandType(rawValue: UInt8(truncatingIfNeeded: packed & 0x3F)) ?? .none
    }
}
