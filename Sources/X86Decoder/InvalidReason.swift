/// Why bytes are not a valid instruction. A decode failure is a value, never a trap.
public enum InvalidReason: UInt8, Error, Sendable, CaseIterable, Codable {
    /// The buffer ended before the instruction did.
    case truncated = 1
    /// The instruction would be longer than 15 bytes (#GP on the CPU, not #UD).
    case tooLong
    /// LOCK on a form that is not a read-modify-write with a memory destination.
    case lockNotAllowed
    /// The form does not exist in this processor mode (e.g. `d6` or `82` in 64-bit mode).
    case invalidInMode
    /// The mandatory prefix (none/66/F3/F2, or VEX/EVEX pp) selects no form of this opcode.
    case badMandatoryPrefix
    /// A 66/F2/F3/LOCK or REX prefix before VEX, EVEX or XOP.
    case prefixBeforeVex
    /// A register that does not exist: CR1, DR8, a segment register above GS, MOV to CS.
    case reservedRegister
    /// A VEX/EVEX/XOP field holds a reserved value (vvvv unused but not 1111b, EVEX.L'L = 3, ...).
    case reservedVexField
    /// Nothing is defined at this opcode.
    case unknownOpcode
    /// The form requires the other ModRM.mod class (memory-only or register-only).
    case invalidModRM
    /// The form is defined only for the other vendor (or not at the requested vector length/W).
    case invalidEncoding

    public var name: String {
        switch self {
        case .truncated: "truncated"
        case .tooLong: "too-long"
        case .lockNotAllowed: "lock-not-allowed"
        case .invalidInMode: "invalid-in-mode"
        case .badMandatoryPrefix: "bad-mandatory-prefix"
        case .prefixBeforeVex: "prefix-before-vex"
        case .reservedRegister: "reserved-register"
        case .reservedVexField: "reserved-vex-field"
        case .unknownOpcode: "unknown-opcode"
        case .invalidModRM: "invalid-modrm"
        case .invalidEncoding: "invalid-encoding"
        }
    }
}
