import Foundation
import X86Decoder

/// One case: everything needed to reproduce one comparison. Decode cases are mode, vendor and
/// bytes; execution cases (planned, see DESIGN.md "The case") add the initial machine state.
/// `origin` says where the case came from, so a campaign can be replayed exactly; it is not part
/// of the case's identity.
///
/// JSON (keys sorted when written):
/// ```json
/// {"schemaVersion": 1, "mode": 64, "vendor": "intel", "bytes": "0fb9c0",
///  "origin": {"generator": "structured", "seed": 7, "index": 1234}}
/// ```
/// Readers reject a `schemaVersion` they do not know.
public struct Case: Codable, Hashable, Sendable, CustomStringConvertible {
    public static let schemaVersion = 1

    public var mode: Mode
    public var vendor: Vendor
    public var bytes: [UInt8]
    /// Initial machine state of an execution case; nil for decode cases.
    public var state: CaseState?
    /// Generator, seed and case index that produced it (nil for hand-written cases).
    public var origin: Origin?

    /// Where a case came from: `seed` plus `index` reproduce it with `difftest fuzz`.
    public struct Origin: Codable, Hashable, Sendable {
        public var generator: String
        public var seed: UInt64
        public var index: UInt64

        public init(generator: String, seed: UInt64, index: UInt64) {
            self.generator = generator
            self.seed = seed
            self.index = index
        }
    }

    public init(mode: Mode, vendor: Vendor = .intel, bytes: [UInt8], state: CaseState? = nil, origin: Origin? = nil) {
        self.mode = mode
        self.vendor = vendor
        self.bytes = bytes
        self.state = state
        self.origin = origin
    }

    public var kind: String { state == nil ? "decode" : "execute" }
    public var hex: String { Hex.string(bytes) }
    public var description: String { "\(hex) [\(mode.bits)-bit \(vendor.rawValue)]" }

    /// The content address: 16 hex digits of FNV-1a 64 over the identity text (kind, mode,
    /// vendor, bytes, state; not the origin). Two files with the same id hold the same case.
    public var id: String {
        var text = "\(kind)|\(mode.bits)|\(vendor.rawValue)|\(hex)"
        if let state { text += "|" + JSONLine.encode(state) }
        return Self.fnv1a(text)
    }

    static func fnv1a(_ text: String) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        let digits = String(h, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The exact command that shows this case with every oracle.
    public var reproLine: String {
        "difftest repro --mode \(mode.bits) --vendor \(vendor.rawValue) \(hex)"
    }

    /// Smaller first: fewer bytes, then lexicographically lower bytes (the minimizer's order and
    /// the order in which a bucket picks its exemplar).
    public static func smaller(_ a: Case, _ b: Case) -> Bool {
        if a.bytes.count != b.bytes.count { return a.bytes.count < b.bytes.count }
        return a.bytes.lexicographicallyPrecedes(b.bytes)
    }

    // MARK: Codable (bytes as hex, schemaVersion checked)

    enum CodingKeys: String, CodingKey {
        case schemaVersion, mode, vendor, bytes, state, origin
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .schemaVersion)
        guard version == Self.schemaVersion else { throw FormatError(description: "case: unknown schemaVersion \(version)") }
        let bits = try c.decode(Int.self, forKey: .mode)
        guard let mode = Mode(bits: bits) else { throw FormatError(description: "case: unknown mode \(bits) (16, 32 or 64)") }
        self.mode = mode
        vendor = try c.decodeIfPresent(Vendor.self, forKey: .vendor) ?? .intel
        let hex = try c.decode(String.self, forKey: .bytes)
        do { bytes = try Hex.parse(hex) } catch { throw FormatError(description: "case: \(error)") }
        state = try c.decodeIfPresent(CaseState.self, forKey: .state)
        origin = try c.decodeIfPresent(Origin.self, forKey: .origin)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(mode.bits, forKey: .mode)
        try c.encode(vendor, forKey: .vendor)
        try c.encode(hex, forKey: .bytes)
        try c.encodeIfPresent(state, forKey: .state)
        try c.encodeIfPresent(origin, forKey: .origin)
    }
}

/// The initial machine state of an execution case, in the same JSON shape as the `--state`
/// file of `difftest emulate` (MachineState): registers as `"0x…"` strings keyed by name
/// (`rax` … `r15`, `rip`, `rflags`, `fsBase`, `gsBase`), and memory regions. Kept free of the
/// emulator's types so decode campaigns do not depend on it; MachineState(object:) reads it.
public struct CaseState: Codable, Hashable, Sendable {
    public var registers: [String: String]
    public var memory: [Region]

    public struct Region: Codable, Hashable, Sendable {
        public var address: String
        public var bytes: String

        public init(address: String, bytes: String) {
            self.address = address
            self.bytes = bytes
        }
    }

    public init(registers: [String: String] = [:], memory: [Region] = []) {
        self.registers = registers
        self.memory = memory
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        var registers: [String: String] = [:]
        var memory: [Region] = []
        for key in c.allKeys {
            if key.stringValue == "memory" {
                memory = try c.decode([Region].self, forKey: key)
            } else if key.stringValue != "schemaVersion" {
                registers[key.stringValue] = try c.decode(String.self, forKey: key)
            }
        }
        self.registers = registers
        self.memory = memory
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (name, value) in registers { try c.encode(value, forKey: Key(stringValue: name)) }
        if !memory.isEmpty { try c.encode(memory, forKey: Key(stringValue: "memory")) }
    }
}
