/// What a campaign worker and the minimizer need from a checker: the findings of one case, and
/// whether a case still reproduces one signature. `DecodeChecker` (decode oracles) and
/// `ExecutionChecker` (execution oracles) conform; one instance is used by one thread.
public protocol CaseChecker: AnyObject {
    /// Every oracle's name, the system under test first.
    var oracleNames: [String] { get }
    /// Name -> library version, for reports.
    var versions: [String: String] { get }
    /// The findings of one case (one per disagreeing oracle pair); `withAnswers` fills every
    /// oracle's full answer (exemplars).
    func check(_ c: Case, withAnswers: Bool) -> [Finding]
    /// The finding of `c` with `signature`, or nil (same answer as filtering `check`).
    func reproduce(_ c: Case, signature: Signature) -> Finding?
    /// Called with the cases about to be checked (a campaign chunk), so that oracles with a
    /// per-call cost (the native sandbox's round trip) can answer them in one batch. Answers
    /// must not change: it only moves work.
    func prepare(_ cases: [Case])
}

extension CaseChecker {
    public func prepare(_ cases: [Case]) {}
}

/// A decode oracle that answers a batch of buffers at once (see `CaseChecker.prepare`); its
/// `decode` then answers those buffers from the batch.
public protocol BatchDecodeOracle: DecodeOracle {
    func prepare(_ cases: [Case])
}

extension DecodeChecker: CaseChecker {
    public func prepare(_ cases: [Case]) {
        for o in others { (o as? BatchDecodeOracle)?.prepare(cases) }
    }
}

public enum CaseCheckers {
    /// A decode checker, or an execution checker when every name is an execution oracle
    /// (`emulator,unicorn`). Throws on an oracle that cannot be set up or a mix of kinds.
    public static func make(oracleNames: [String]) throws -> any CaseChecker {
        if ExecutionChecker.isExecution(oracleNames) { return try ExecutionChecker(oracleNames: oracleNames) }
        if oracleNames.contains(where: { ExecutionChecker.oracleNames.contains($0) }) {
            throw OracleRegistry.UnknownOracle(description: "execution oracles (\(ExecutionChecker.oracleNames.joined(separator: ", "))) cannot be mixed with decode oracles")
        }
        return try DecodeChecker(oracleNames: oracleNames)
    }
}
