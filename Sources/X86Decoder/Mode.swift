/// The processor mode the bytes are decoded in: the default operand and address sizes.
public enum Mode: Int, Sendable, CaseIterable, Codable {
    case bits16 = 16
    case bits32 = 32
    case bits64 = 64

    public init?(bits: Int) { self.init(rawValue: bits) }
    public var bits: Int { rawValue }
    @inline(__always) public var is64: Bool { self == .bits64 }
}
