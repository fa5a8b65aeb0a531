import Foundation

extension CampaignReport {
    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Builds a report from buckets. `status` gives each bucket's status when there is no
    /// previous report; with one, a bucket is `new` when the previous report lacks it and
    /// `open` otherwise, and the previous report's buckets that are gone are listed as `fixed`.
    public init(run: RunInfo, buckets: [Bucket], status: (Bucket) -> String, previous: CampaignReport?, previousPath: String?,
                fixedBuckets: [Entry] = []) {
        let sorted = buckets.sorted(by: Bucket.reportOrder)
        let before = Set((previous?.buckets ?? []).map(\.id))
        var entries: [Entry] = []
        for b in sorted {
            let s = previous == nil ? status(b) : (before.contains(b.id) ? "open" : "new")
            entries.append(Self.entry(b, status: s))
        }
        var fixed = fixedBuckets
        if let previous {
            let now = Set(buckets.map(\.id))
            for var e in previous.buckets where !now.contains(e.id) {
                e.status = "fixed"
                fixed.append(e)
            }
        }
        var byPair: [String: [String: Int]] = [:]
        var bySeverity: [String: Int] = [:]
        var findings = 0
        var explained = 0
        for b in buckets {
            byPair[b.signature.oracles, default: [:]][b.severity.rawValue, default: 0] += b.count
            bySeverity[b.severity.rawValue, default: 0] += b.count
            findings += b.count
            if b.explained { explained += b.count }
        }
        let totals = Totals(
            findings: findings, unexplainedFindings: findings - explained, explainedFindings: explained, buckets: buckets.count,
            unexplainedBuckets: buckets.filter { !$0.explained }.count, newBuckets: entries.filter { $0.status == "new" }.count,
            openBuckets: entries.filter { $0.status == "open" }.count, fixedBuckets: fixed.count, byPair: byPair, bySeverity: bySeverity)
        self.init(run: run, totals: totals, buckets: entries, fixed: fixed, previous: previousPath)
    }

    static func entry(_ b: Bucket, status: String) -> Entry {
        Entry(
            id: b.id, signature: b.signature, severity: b.severity, status: status, count: b.count, explained: b.explained,
            knownBug: b.signature.knownBug, blame: b.blame, firstSeen: b.firstSeen, lastSeen: b.lastSeen, firstIndex: b.firstIndex,
            lastIndex: b.lastIndex, exemplar: b.exemplar, original: b.original, repro: b.exemplar.case.reproLine)
    }

    /// The report of a campaign (buckets not in the corpus before it are `new`).
    public init(result r: CampaignResult, previous: CampaignReport?, previousPath: String?) {
        let c = r.config
        let run = RunInfo(
            commit: SourceCommit.current(), date: ISO8601DateFormatter().string(from: r.startedAt), source: "campaign", seed: c.seed,
            generators: c.generators.map(\.rawValue), oracles: r.versions, cpu: CPUInfo.current(), mode: c.mode.bits,
            vendor: c.vendor.rawValue, jobs: c.jobs, shard: "\(c.shard)/\(c.shards)", durationSeconds: r.seconds, cases: r.cases,
            casesPerSecond: r.casesPerSecond)
        self.init(run: run, buckets: r.buckets, status: { r.created.contains($0.id) ? "new" : "open" }, previous: previous, previousPath: previousPath)
    }

    /// The report of a corpus (`difftest report`): every stored bucket with its stored count;
    /// buckets marked fixed by `replay` are listed as fixed.
    public init(corpus: [CorpusStore.StoredBucket], versions: [String: String], previous: CampaignReport?, previousPath: String?) {
        var open: [Bucket] = []
        var fixed: [Entry] = []
        for s in corpus {
            guard let exemplar = s.exemplar else { continue }
            var b = Bucket(first: exemplar, index: nil)
            b.count = s.file.count
            b.firstIndex = nil
            b.lastIndex = nil
            b.firstSeen = s.file.firstSeen
            b.lastSeen = s.file.lastSeen
            if let o = s.file.original { b.original = s.findings.first { $0.case.id == o } }
            if s.file.status == "fixed" { fixed.append(Self.entry(b, status: "fixed")) } else { open.append(b) }
        }
        let run = RunInfo(
            commit: SourceCommit.current(), date: ISO8601DateFormatter().string(from: Date()), source: "corpus", seed: nil, generators: [],
            oracles: versions, cpu: CPUInfo.current(), mode: nil, vendor: nil, jobs: nil, shard: nil, durationSeconds: 0, cases: 0,
            casesPerSecond: 0)
        self.init(run: run, buckets: open, status: { _ in "open" }, previous: previous, previousPath: previousPath, fixedBuckets: fixed)
    }

    /// Reads a report.json, rejecting unknown schema versions.
    public static func read(_ path: String) throws -> CampaignReport {
        guard let data = FileManager.default.contents(atPath: path) else { throw FormatError(description: "cannot read \(path)") }
        struct Probe: Decodable { var schemaVersion: Int }
        let version: Int
        do { version = try JSONDecoder().decode(Probe.self, from: data).schemaVersion } catch {
            throw FormatError(description: "\(path): not a difftest report (\(error))")
        }
        guard version == currentSchemaVersion else { throw FormatError(description: "\(path): unknown schemaVersion \(version)") }
        do { return try JSONDecoder().decode(CampaignReport.self, from: data) } catch {
            throw FormatError(description: "\(path): malformed report (\(error))")
        }
    }

    /// Writes `report.json` and `report.html` into `directory` (atomically, each).
    public func write(to directory: String) throws {
        try AtomicFile.writeJSON(self, to: directory + "/report.json")
        try AtomicFile.write(Data(HTMLReport.render(self).utf8), to: directory + "/report.html")
    }
}
