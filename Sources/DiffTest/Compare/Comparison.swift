import X86Decoder

/// One field on which an oracle disagrees with the project decoder, and the known oracle bug
/// that explains it, if one does.
public struct Divergence: Codable, Equatable, Hashable, Sendable {
    /// The oracle that disagrees with the project (`capstone`, `zydis`).
    public var oracle: String
    public var field: String
    public var project: String
    public var other: String
    /// Id of the registered known oracle bug that explains it, or nil when unexplained.
    public var knownBug: String?
    /// Who the other oracles side with: the oracle blamed by vote (`zydis`, `project`), or nil
    /// when there is no majority.
    public var blame: String?
}

/// All oracles' answers for one case, compared against the project's.
public struct Comparison: Sendable {
    public var bytes: [UInt8]
    public var mode: Mode
    public var vendor: Vendor
    /// Answers by oracle name, the project first.
    public var answers: [(name: String, answer: DecodeAnswer)]
    public var divergences: [Divergence]

    public var unexplained: [Divergence] { divergences.filter { $0.knownBug == nil } }
    public var agrees: Bool { unexplained.isEmpty }

    /// Decodes `bytes` with every oracle and compares each against the project.
    public init(bytes: [UInt8], mode: Mode, vendor: Vendor, oracles: [DecodeOracle], address: UInt64 = 0) {
        self.bytes = bytes
        self.mode = mode
        self.vendor = vendor
        answers = oracles.map { ($0.name, $0.decode(bytes, mode: mode, vendor: vendor, address: address)) }
        divergences = Self.divergences(bytes: bytes, mode: mode, vendor: vendor, answers: answers)
    }

    static func divergences(bytes: [UInt8], mode: Mode, vendor: Vendor, answers: [(name: String, answer: DecodeAnswer)]) -> [Divergence] {
        guard let project = answers.first(where: { $0.name == "project" })?.answer else { return [] }
        var byName: [String: DecodeAnswer] = [:]
        for (n, a) in answers { byName[n] = a }
        var out: [Divergence] = []
        for (name, answer) in answers where name != "project" {
            let differences = compare(project, answer)
            guard !differences.isEmpty else { continue }
            let others = KnownOracleBugs.others(of: name, in: byName)
            for d in differences {
                out.append(divergence(d, oracle: name, bytes: bytes, mode: mode, vendor: vendor, own: answer, others: others,
                                      project: project, answers: answers))
            }
        }
        return out
    }

    /// One differing field of `oracle` (whose answer is `own`; `others` the other decoders'),
    /// with the known bug that explains it and the blame by vote.
    static func divergence(_ d: FieldDifference, oracle: String, bytes: [UInt8], mode: Mode, vendor: Vendor, own: DecodeAnswer,
                           others: [String: DecodeAnswer], project: DecodeAnswer,
                           answers: [(name: String, answer: DecodeAnswer)]) -> Divergence {
        let bug = KnownOracleBugs.firstMatch(oracle: oracle, bytes: bytes, mode: mode, vendor: vendor, own: own, others: others, field: d.field)
        return Divergence(
            oracle: oracle, field: d.field, project: d.left, other: d.right, knownBug: bug.map { KnownOracleBugs.all[$0].id },
            blame: blame(field: d.field, oracle: oracle, project: project, answers: answers))
    }

    /// Blame by vote: the side that every remaining oracle agrees with wins; the other side is
    /// blamed. With only two oracles there is no vote (nil).
    static func blame(field: String, oracle: String, project: DecodeAnswer, answers: [(name: String, answer: DecodeAnswer)]) -> String? {
        let others = answers.filter { $0.name != "project" && $0.name != oracle }
        guard !others.isEmpty, let theirs = answers.first(where: { $0.name == oracle })?.answer else { return nil }
        let withProject = others.filter { !compare(project, $0.answer).contains { $0.field == field } }.count
        let withOracle = others.filter { !compare(theirs, $0.answer).contains { $0.field == field } }.count
        if withProject == others.count && withOracle < others.count { return oracle }
        if withOracle == others.count && withProject < others.count { return "project" }
        return nil
    }
}
