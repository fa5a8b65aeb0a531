import X86Decoder

/// Turns one decode case into findings: the project decoder and every other oracle decode it;
/// equal answers cost one comparison; a difference goes through `Comparison.divergences`
/// (normalization, known oracle bugs, blame by vote) and becomes one `Finding` per oracle pair.
/// One checker per thread: it owns its oracle handles.
public final class DecodeChecker {
    public let project = ProjectOracle()
    public let others: [DecodeOracle]

    /// `others`, each as a ProjectAgreeingOracle where it is one (cast once, not per case).
    let agreeing: [ProjectAgreeingOracle?]

    /// Each other oracle's pair name in signatures (`project:capstone`), made once.
    let pairNames: [String]
    /// One decoder per mode and vendor (`decoder(_:_:)` picks it), made once.
    let decoders: [X86Decoder]

    public init(others: [DecodeOracle]) {
        self.others = others.filter { $0.name != "project" }
        agreeing = self.others.map { $0 as? ProjectAgreeingOracle }
        pairNames = self.others.map { "project:" + $0.name }
        decoders = [Mode.bits16, .bits32, .bits64].flatMap { m in [Vendor.intel, .amd].map { X86Decoder(mode: m, vendor: $0) } }
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

    /// The decoder of a mode and vendor. Kept in an array, though `X86Decoder(mode:vendor:)`
    /// only copies table pointers: that reads a lazily initialized static each time, and
    /// `bench campaign`'s check subject ran 1.5% slower with it (737k against 726k cases/s,
    /// three alternated runs each).
    @inline(__always)
    func decoder(_ mode: Mode, _ vendor: Vendor) -> X86Decoder {
        decoders[(mode == .bits16 ? 0 : mode == .bits32 ? 2 : 4) + (vendor == .intel ? 0 : 1)]
    }

    /// The findings of one case, one per disagreeing oracle, in oracle order. Empty when every
    /// oracle agrees with the project after normalization.
    public func check(_ c: Case, withAnswers: Bool = false) -> [Finding] {
        let d = decoder(c.mode, c.vendor)
        guard !withAnswers else {
            return check(c, mine: ProjectOracle.answer(d.decode(c.bytes, address: 0)), known: [:], withAnswers: true)
        }
        // Decoded in place (`scratch`): a DecodeResult would copy the instruction twice.
        let invalid = c.bytes.withUnsafeBytes { d.decode($0, address: 0, into: &scratch) }
        // The common case, without building the project's answer: every oracle agrees. An
        // oracle that can tell so from its own raw answer (ProjectAgreeingOracle) builds none.
        theirs.removeAll(keepingCapacity: true)
        var agree = true
        for (o, fast) in zip(others, agreeing) {
            let answer: DecodeAnswer
            if let fast {
                guard let a = fast.decode(c.bytes, mode: c.mode, vendor: c.vendor, unlessAgreeingWith: scratch, invalid: invalid) else { continue }
                answer = a
            } else {
                answer = o.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
            }
            if agree && !ProjectOracle.agrees(scratchResult(invalid), with: answer) { agree = false }
            theirs.append((o.name, answer))
        }
        if agree { return [] }
        var known: [String: DecodeAnswer] = [:]
        known.reserveCapacity(theirs.count)
        for (name, answer) in theirs { known[name] = answer }
        return check(c, mine: ProjectOracle.answer(scratchResult(invalid)), known: known)
    }

    /// The project's instruction of the case being checked (reused).
    private var scratch = Instruction()

    /// `scratch` as a DecodeResult, after a decode that gave `invalid` (the paths that need one).
    private func scratchResult(_ invalid: InvalidReason?) -> DecodeResult {
        invalid.map { .invalid($0) } ?? .valid(scratch)
    }

    /// The other oracles' answers of the case being checked, by name (reused: no allocation
    /// per case). An oracle shown to agree has none; `check(_:mine:known:)` asks it again
    /// when another one disagrees.
    private var theirs: [(name: String, answer: DecodeAnswer)] = []

    /// `check` with the project's answer and any already known oracle answers (by name) given.
    func check(_ c: Case, mine: DecodeAnswer, known: [String: DecodeAnswer], withAnswers: Bool = false) -> [Finding] {
        var answers: [(name: String, answer: DecodeAnswer)] = [("project", mine)]
        answers.reserveCapacity(others.count + 1)
        var differs = false
        for o in others {
            let theirs = (known.isEmpty ? nil : known[o.name]) ?? o.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
            if theirs != mine { differs = true }  // equal after normalization: `divergences` is empty
            answers.append((o.name, theirs))
        }
        guard differs else { return [] }
        var byName: [String: DecodeAnswer] = [:]
        byName.reserveCapacity(answers.count)
        for (n, a) in answers { byName[n] = a }
        var out: [Finding] = []
        var location: (map: String, opcode: String)?
        for (k, (name, theirs)) in answers.dropFirst().enumerated() {
            let differences = compare(mine, theirs)
            guard !differences.isEmpty else { continue }
            guard let primary = Self.primary(differences, oracle: name, case: c, answers: answers, byName: byName) else { continue }
            if location == nil {
                let probe = decoder(c.mode, c.vendor).probe(c.bytes)
                location = (probe.opcodeKnown ? probe.map.name : "-", probe.opcodeKnown ? Hex.byteText[Int(probe.opcode)] : "-")
            }
            let fieldKind = FieldDifference.kind(of: primary.field)
            let signature = Signature(
                kind: c.kind, oracles: pairNames[k], map: location!.map, opcode: location!.opcode, field: fieldKind,
                knownBug: primary.knownBug)
            out.append(
                Finding(
                    case: c, signature: signature, field: primary.field, values: ["project": primary.project, name: primary.other],
                    fields: differences, severity: Severity.of(field: primary.field), blame: primary.blame,
                    knownBug: primary.knownBug, answers: withAnswers ? byName : nil))
        }
        return out
    }

    /// The divergence a finding of `oracle` is named after, with the known bug that explains the
    /// whole finding (nil unless every differing field is explained): the most severe
    /// unexplained field, or, when all are explained, the most severe field; ties keep the
    /// comparison's field order. What `primary(Comparison.divergences(…))` gives, but the known
    /// bugs are looked up in that order and only until the first unexplained field: it is the
    /// primary then, and the fields after it cannot change the finding (an unexplained lookup
    /// runs every matcher of the oracle).
    static func primary(_ differences: [FieldDifference], oracle: String, case c: Case,
                        answers: [(name: String, answer: DecodeAnswer)], byName: [String: DecodeAnswer]) -> Divergence? {
        guard let own = byName[oracle], let project = byName["project"] else { return nil }
        let others = KnownOracleBugs.others(of: oracle, in: byName)
        // Stable order by severity, most severe first.
        let order: [Int]
        if differences.count == 1 {
            order = [0]
        } else {
            let severity = differences.map { Severity.of(field: $0.field).rank }
            order = differences.indices.sorted { severity[$0] != severity[$1] ? severity[$0] > severity[$1] : $0 < $1 }
        }
        var first: Divergence?
        for k in order {
            let divergence = Comparison.divergence(
                differences[k], oracle: oracle, bytes: c.bytes, mode: c.mode, vendor: c.vendor, own: own, others: others,
                project: project, answers: answers)
            if divergence.knownBug == nil { return divergence }
            if first == nil { first = divergence }
        }
        return first
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
}
