/// A register as a (class, number) pair packed in two bytes; names come from tables.
public struct Register: Hashable, Sendable, CustomStringConvertible {
    public enum Class: UInt8, Sendable {
        case gpr8 = 0  // al cl dl bl spl bpl sil dil r8b … r15b
        case gpr8High  // ah ch dh bh (numbers 4-7, no REX)
        case gpr16, gpr32, gpr64
        case segment, control, debug
        case mmx, xmm, ymm, zmm, mask, x87, tile
        case ip  // rip / eip / ip (number 0/1/2 by size 64/32/16) for RIP-relative bases
        case bound  // MPX bnd0-bnd3
    }

    public let regClass: Class
    public let number: UInt8

    @inline(__always) public init(_ regClass: Class, _ number: UInt8) {
        self.regClass = regClass
        self.number = number
    }

    /// A general-purpose register of `size` bytes. `rex` selects spl…dil over ah…bh for 4-7.
    @inline(__always) public static func gpr(_ number: UInt8, size: Int, rex: Bool) -> Register {
        switch size {
        case 1: (number >= 4 && number < 8 && !rex) ? Register(.gpr8High, number) : Register(.gpr8, number)
        case 2: Register(.gpr16, number)
        case 4: Register(.gpr32, number)
        default: Register(.gpr64, number)
        }
    }

    /// A vector register wide enough for `size` bytes (xmm for 16 and less).
    @inline(__always) public static func vector(_ number: UInt8, size: Int) -> Register {
        size >= 64 ? Register(.zmm, number) : size >= 32 ? Register(.ymm, number) : Register(.xmm, number)
    }

    /// Size in bytes (x87 80-bit registers: 10; masks: 8).
    public var size: Int {
        switch regClass {
        case .gpr8, .gpr8High: 1
        case .gpr16, .segment: 2
        case .gpr32: 4
        case .gpr64, .control, .debug, .mmx, .mask: 8
        case .xmm: 16
        case .ymm: 32
        case .zmm: 64
        case .x87: 10
        case .tile: 1024
        case .bound: 16
        case .ip: number == 0 ? 8 : number == 1 ? 4 : 2
        }
    }

    private static let gpr64Names = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"]
    private static let gpr32Names = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]
    private static let gpr16Names = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]
    private static let gpr8Names = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"]
    private static let gpr8HighNames = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]
    private static let segmentNames = ["es", "cs", "ss", "ds", "fs", "gs", "seg6", "seg7"]

    /// The lower-case architectural name (`r8d`, `spl`, `xmm17`, `st3`, `cr8`).
    public var name: String {
        let n = Int(number)
        switch regClass {
        case .gpr64: return n < 8 ? Self.gpr64Names[n] : "r\(n)"
        case .gpr32: return n < 8 ? Self.gpr32Names[n] : "r\(n)d"
        case .gpr16: return n < 8 ? Self.gpr16Names[n] : "r\(n)w"
        case .gpr8: return n < 8 ? Self.gpr8Names[n] : "r\(n)b"
        case .gpr8High: return Self.gpr8HighNames[n & 7]
        case .segment: return Self.segmentNames[n & 7]
        case .control: return "cr\(n)"
        case .debug: return "dr\(n)"
        case .mmx: return "mm\(n)"
        case .xmm: return "xmm\(n)"
        case .ymm: return "ymm\(n)"
        case .zmm: return "zmm\(n)"
        case .mask: return "k\(n)"
        case .x87: return "st\(n)"
        case .tile: return "tmm\(n)"
        case .bound: return "bnd\(n)"
        case .ip: return n == 0 ? "rip" : n == 1 ? "eip" : "ip"
        }
    }

    public var description: String { name }

    public static let es = Register(.segment, 0)
    public static let cs = Register(.segment, 1)
    public static let ss = Register(.segment, 2)
    public static let ds = Register(.segment, 3)
    public static let fs = Register(.segment, 4)
    public static let gs = Register(.segment, 5)
}
