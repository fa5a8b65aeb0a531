import Foundation

/// `difftest replay`: re-runs every stored bucket's cases. A bucket still diverges when any
/// of its cases reproduces its signature; it is then (re)marked open, otherwise fixed, and a
/// bucket that was marked fixed but diverges again is a regression.
public struct CorpusReplay {
    public enum Verdict: String, Sendable {
        /// Diverges, as it did.
        case stillDiverges = "still diverges"
        /// No longer diverges; marked fixed now.
        case fixedNow = "fixed now"
        /// Was marked fixed and still does not diverge.
        case fixed
        /// Was marked fixed and diverges again.
        case regression = "REGRESSION"
    }

    public struct Outcome: Sendable {
        public var bucket: CorpusStore.StoredBucket
        public var verdict: Verdict
    }

    public let store: CorpusStore
    public let checker: DecodeChecker

    public init(store: CorpusStore, checker: DecodeChecker) {
        self.store = store
        self.checker = checker
    }

    /// Replays every bucket; unless `dryRun`, writes each bucket.json whose status changed.
    public func run(date: String, dryRun: Bool = false) throws -> [Outcome] {
        var out: [Outcome] = []
        for b in try store.buckets() {
            let reproduces = b.findings.contains { f in checker.check(f.case).contains { $0.signature == b.file.signature } }
            var file = b.file
            let verdict: Verdict
            switch (reproduces, file.status == "fixed") {
            case (true, true):
                verdict = .regression
                file.status = "open"
                file.fixedOn = nil
            case (true, false):
                verdict = .stillDiverges
            case (false, true):
                verdict = .fixed
            case (false, false):
                verdict = .fixedNow
                file.status = "fixed"
                file.fixedOn = date
            }
            if !dryRun && file != b.file { try store.writeBucketFile(file, directory: b.directory) }
            out.append(Outcome(bucket: b, verdict: verdict))
        }
        return out
    }
}
