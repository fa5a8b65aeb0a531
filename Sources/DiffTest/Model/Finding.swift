/// One disagreement found on one case: the case, the field that differs most severely between
/// the system under test and one oracle, what each said, and the signature that groups it into
/// a bucket.
///
/// A case that differs from an oracle in several fields makes one finding for that oracle pair:
/// its `field` is the most severe unexplained difference (ties: the comparison's field order,
/// `valid`, `length`, `mnemonic`, `operands.count`, `operand[N].…`), and `fields` lists them all.
/// When every difference is explained by a registered known oracle bug, the finding is counted
/// there (`knownBug`), not reported as new.
///
/// Field names extend to execution cases: `register.rax`, `rflags.cf`, `rip`, `memory`,
/// `exception` (see `Severity.of(field:)`).
public struct Finding: Codable, Equatable, Sendable {
    public var `case`: Case
    public var signature: Signature
    /// The full field name, with the operand number (`operand[1].base`).
    public var field: String
    /// What each side said for `field`, by oracle name.
    public var values: [String: String]
    /// Every differing field of this oracle pair (left: the system under test, right: the oracle).
    public var fields: [FieldDifference]
    public var severity: Severity
    /// The oracle blamed by vote (every other oracle agrees against it), or nil.
    public var blame: String?
    /// The registered known oracle bug that explains every difference, or nil.
    public var knownBug: String?
    /// Every oracle's full answer; filled for exemplars (reports, corpus), nil in bulk logs.
    public var answers: [String: DecodeAnswer]?
    /// Execution cases: every execution oracle's full result (like `answers`), nil in bulk logs.
    public var executions: [String: ExecutionResult.JSON]?
    /// Id of the case this one was minimized from.
    public var minimizedFrom: String?

    public init(case c: Case, signature: Signature, field: String, values: [String: String], fields: [FieldDifference],
                severity: Severity, blame: String?, knownBug: String?, answers: [String: DecodeAnswer]? = nil) {
        self.case = c
        self.signature = signature
        self.field = field
        self.values = values
        self.fields = fields
        self.severity = severity
        self.blame = blame
        self.knownBug = knownBug
        self.answers = answers
    }

    public var explained: Bool { knownBug != nil }
}

/// How much a difference matters to a hypervisor that must skip or emulate the instruction.
/// Order, most severe first: `control` (validity, length, control flow: relative targets;
/// execution: `rip`, `exception`) above `operand` (operand count and every operand part;
/// execution: registers, flags, memory) above `display` (mnemonic and prefix spelling).
public enum Severity: String, Codable, CaseIterable, Comparable, Sendable {
    case control, operand, display

    public var rank: Int {
        switch self {
        case .control: 3
        case .operand: 2
        case .display: 1
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }

    /// The severity of a field name (`FieldDifference` names, and the execution names).
    public static func of(field: String) -> Severity {
        let kind = FieldDifference.kind(of: field)
        switch kind {
        case "valid", "length", "operand.target", "rip", "exception": return .control
        case "mnemonic": return .display
        default: return .operand
        }
    }
}

/// What groups findings into one bucket: kind (`decode`, later `execute`), the oracle pair
/// (`project:capstone`), the opcode map and opcode byte where the system under test saw them
/// (`-` when it never reached an opcode), the field kind (operand number dropped:
/// `operand.base`), and the known oracle bug that explains it, if any (so explained findings
/// never share a bucket with unexplained ones).
///
/// Text form, also the bucket's id: `decode/project:capstone/0f/b9/length`, with
/// `/known:<bug-id>` appended for explained buckets.
public struct Signature: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var kind: String { didSet { rehash() } }
    public var oracles: String { didSet { rehash() } }
    public var map: String { didSet { rehash() } }
    public var opcode: String { didSet { rehash() } }
    public var field: String { didSet { rehash() } }
    public var knownBug: String? { didSet { rehash() } }
    /// The parts' hash, computed once: a campaign looks a finding's signature up three or four
    /// times (this batch's new ones, the worker's exemplars, the bucket table), and hashing six
    /// strings each time was a visible part of a divergent case.
    private var hashOfParts = 0

    enum CodingKeys: String, CodingKey { case kind, oracles, map, opcode, field, knownBug }

    public init(kind: String, oracles: String, map: String, opcode: String, field: String, knownBug: String? = nil) {
        self.kind = kind
        self.oracles = oracles
        self.map = map
        self.opcode = opcode
        self.field = field
        self.knownBug = knownBug
        rehash()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.decode(String.self, forKey: .kind), oracles: try c.decode(String.self, forKey: .oracles),
                  map: try c.decode(String.self, forKey: .map), opcode: try c.decode(String.self, forKey: .opcode),
                  field: try c.decode(String.self, forKey: .field), knownBug: try c.decodeIfPresent(String.self, forKey: .knownBug))
    }

    private mutating func rehash() {
        var h = Hasher()
        h.combine(kind)
        h.combine(oracles)
        h.combine(map)
        h.combine(opcode)
        h.combine(field)
        h.combine(knownBug)
        hashOfParts = h.finalize()
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hashOfParts) }

    public static func == (a: Signature, b: Signature) -> Bool {
        a.hashOfParts == b.hashOfParts && a.kind == b.kind && a.oracles == b.oracles && a.map == b.map && a.opcode == b.opcode
            && a.field == b.field && a.knownBug == b.knownBug
    }

    public var text: String {
        let base = "\(kind)/\(oracles)/\(map)/\(opcode)/\(field)"
        return knownBug.map { base + "/known:" + $0 } ?? base
    }

    public var description: String { text }

    /// A file-system-safe folder name for the bucket: `decode.project-capstone.0f.b9.length`
    /// (plus `.known-<bug-id>`), only `[a-z0-9._-]`.
    public var directoryName: String {
        var parts = [kind, oracles.replacingOccurrences(of: ":", with: "-"), map, opcode, field]
        if let knownBug { parts.append("known-" + knownBug) }
        let raw = parts.joined(separator: ".").lowercased()
        return String(raw.map { c in
            (c.isASCII && (c.isLetter || c.isNumber)) || c == "." || c == "-" || c == "_" ? c : "_"
        })
    }

    public static func < (a: Signature, b: Signature) -> Bool { a.text < b.text }
}
