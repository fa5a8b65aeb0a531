/// An architectural exception, as the CPU raises it.
public struct X86Exception: Error, Hashable, Sendable {
    public enum Vector: UInt8, Sendable, CaseIterable {
        case DE = 0, DB = 1, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, TS = 10, NP = 11, SS = 12, GP = 13, PF = 14
        case MF = 16, AC = 17, XM = 19

        public var name: String { "\(self)" }
    }

    public var vector: Vector
    /// The error code pushed by the CPU (nil for vectors that push none).
    public var errorCode: UInt32?
    /// CR2 for #PF: the faulting linear address.
    public var address: UInt64?

    public init(_ vector: Vector, errorCode: UInt32? = nil, address: UInt64? = nil) {
        self.vector = vector
        self.errorCode = errorCode
        self.address = address
    }

    public static let ud = X86Exception(.UD)
    public static let de = X86Exception(.DE)
    public static let gp0 = X86Exception(.GP, errorCode: 0)
    public static let ss0 = X86Exception(.SS, errorCode: 0)
    public static let ac0 = X86Exception(.AC, errorCode: 0)

    /// #PF with the error code bits P (present), W (write), U (user: always at CPL3), I (fetch).
    public static func pageFault(_ address: UInt64, write: Bool = false, fetch: Bool = false, present: Bool = false) -> X86Exception {
        X86Exception(.PF, errorCode: (present ? 1 : 0) | (write ? 2 : 0) | 4 | (fetch ? 0x10 : 0), address: address)
    }
}

/// How a system call was entered.
public enum SystemCallKind: String, Sendable, Hashable {
    case syscall, sysenter, int80 = "int 0x80"
}

/// The result of one `step`.
///
/// - `completed`: the instruction retired; the state is the state after it.
/// - `exception`: the instruction faulted (RIP at the instruction, state as at the fault) or
///   trapped (#BP, #DB from INT1: RIP after the instruction).
/// - `systemCall`: SYSCALL/SYSENTER/INT 0x80; the state is as before the instruction except RIP,
///   which points after it (what the kernel sees as the return address).
/// - `unsupported`: the emulator does not implement this; the state is unchanged. Never a
///   guess: what it cannot do, it says.
public enum StepOutcome: Hashable, Sendable {
    case completed
    case exception(X86Exception)
    case systemCall(SystemCallKind)
    case unsupported(String)

    public var name: String {
        switch self {
        case .completed: "completed"
        case .exception: "exception"
        case .systemCall: "syscall"
        case .unsupported: "unsupported"
        }
    }
}

/// Internal early exits of an instruction; `step` turns them into a `StepOutcome`.
@usableFromInline enum Stop: Error {
    case exception(X86Exception)
    case systemCall(SystemCallKind)
    case unsupported(String)
    /// A LOCKed compare-exchange lost a race: run the instruction again.
    case retry
}
