import X86Decoder

/// Turns one decode case into findings: the project decoder and every other oracle decode it;
/// equal answers cost one comparison; a difference goes through `Comparison.divergences`
/// (normalization, known oracle bugs, blame by vote) and becomes one `Finding` per oracle pair.
/// One checker per thread: it owns its oracle handles.
public final class DecodeChecker {
    public let project = ProjectOracle()
    public let others: [DecodeOracle]

    public init(others: [DecodeOracle]) {
        self.others = others.filter { $0.name != "project" }
    }

    /// Opens one handle of each named oracle (`project` is implied and skipped).
    public convenience init(oracleNames: [String]) throws {
        var oracles: [DecodeOracle] = []
        for name in oracleNames where name != "project" { oracles.append(try OracleRegistry.makeDecodeOracle(name)) }
        self.init(others: oracles)
    }

    public var oracleNames: [String] { ["project"] + others.map(\.name) }

    /// Name -> library version, for reports.
    public var versions: [String: String] {
        var v = ["project": project.version]
        for o in others { v[o.name] = o.version }
        return v
    }

    /// A decoder for the opcode map and byte of a signature (making one costs nothing).
    func decoder(_ mode: Mode, _ vendor: Vendor) -> X86Decoder { X86Decoder(mode: mode, vendor: vendor) }

    /// The findings of one case, one per disagreeing oracle, in oracle order. Empty when every
    /// oracle agrees with the project after normalization.
    public func check(_ c: Case, withAnswers: Bool = false) -> [Finding] {
        let result = X86Decoder(mode: c.mode, vendor: c.vendor).decode(c.bytes, address: 0)
        guard !withAnswers else { return check(c, mine: ProjectOracle.answer(result), known: [:], withAnswers: true) }
        // The common case, without building the project's answer: every oracle agrees.
        theirs.removeAll(keepingCapacity: true)
        var agree = true
        for o in others {
            let answer = o.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
            if agree && !ProjectOracle.agrees(result, with: answer) { agree = false }
            theirs.append(answer)
        }
        if agree { return [] }
        var known: [String: DecodeAnswer] = [:]
        for (o, answer) in zip(others, theirs) { known[o.name] = answer }
        return check(c, mine: ProjectOracle.answer(result), known: known)
    }

    /// The other oracles' answers of the case being checked (reused: no allocation per case).
    private var theirs: [DecodeAnswer] = []

    /// `check` with the project's answer and any already known oracle answers (by name) given.
    func check(_ c: Case, mine: DecodeAnswer, known: [String: DecodeAnswer], withAnswers: Bool = false) -> [Finding] {
        var answers: [(name: String, answer: DecodeAnswer)] = [("project", mine)]
        var differs = false
        for o in others {
            let theirs = (known.isEmpty ? nil : known[o.name]) ?? o.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
            if theirs != mine { differs = true }  // equal after normalization: `divergences` is empty
            answers.append((o.name, theirs))
        }
        guard differs else { return [] }
        let divergences = Comparison.divergences(bytes: c.bytes, mode: c.mode, vendor: c.vendor, answers: answers)
        guard !divergences.isEmpty else { return [] }
        let probe = decoder(c.mode, c.vendor).probe(c.bytes)
        let map = probe.opcodeKnown ? probe.map.name : "-"
        let opcode = probe.opcodeKnown ? Hex.byteText[Int(probe.opcode)] : "-"
        var all: [String: DecodeAnswer]?
        if withAnswers {
            all = [:]
            for (n, a) in answers { all![n] = a }
        }
        var out: [Finding] = []
        for o in others {
            let mineVsThem = divergences.filter { $0.oracle == o.name }
            guard let primary = Self.primary(mineVsThem) else { continue }
            let explained = mineVsThem.allSatisfy { $0.knownBug != nil }
            let knownBug = explained ? primary.knownBug : nil
            let fieldKind = FieldDifference.kind(of: primary.field)
            let signature = Signature(
                kind: c.kind, oracles: "project:\(o.name)", map: map, opcode: opcode, field: fieldKind, knownBug: knownBug)
            out.append(
                Finding(
                    case: c, signature: signature, field: primary.field, values: ["project": primary.project, o.name: primary.other],
                    fields: mineVsThem.map { FieldDifference(field: $0.field, left: $0.project, right: $0.other) },
                    severity: Severity.of(field: primary.field), blame: primary.blame, knownBug: knownBug, answers: all))
        }
        return out
    }

    /// The finding of `c` with `signature`, or nil: the same answer as
    /// `check(c).first { $0.signature == signature }`, with two exact early rejections for the
    /// minimizer: the project must see the signature's opcode map and byte, and the raw
    /// comparison with the signature's oracle must differ in the signature's field kind (a
    /// finding is always named after one of its pair's raw differences).
    public func reproduce(_ c: Case, signature: Signature) -> Finding? {
        guard c.kind == signature.kind else { return nil }
        let probe = decoder(c.mode, c.vendor).probe(c.bytes)
        let map = probe.opcodeKnown ? probe.map.name : "-"
        let opcode = probe.opcodeKnown ? Hex.byteText[Int(probe.opcode)] : "-"
        guard map == signature.map, opcode == signature.opcode else { return nil }
        let name = signature.oracles.hasPrefix("project:") ? String(signature.oracles.dropFirst(8)) : ""
        guard let oracle = others.first(where: { $0.name == name }) else { return nil }
        let mine = project.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
        let theirs = oracle.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
        guard theirs != mine, compare(mine, theirs).contains(where: { $0.fieldKind == signature.field }) else { return nil }
        return check(c, mine: mine, known: [name: theirs]).first { $0.signature == signature }
    }

    /// The divergence a finding is named after: the most severe unexplained one (all of them
    /// when none is unexplained); ties keep the comparison's field order.
    static func primary(_ divergences: [Divergence]) -> Divergence? {
        let unexplained = divergences.filter { $0.knownBug == nil }
        let pool = unexplained.isEmpty ? divergences : unexplained
        var best: Divergence?
        for d in pool where best == nil || Severity.of(field: d.field) > Severity.of(field: best!.field) { best = d }
        return best
    }
}
