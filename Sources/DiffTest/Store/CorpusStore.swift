import Foundation

/// The corpus on disk (layout and formats: Corpus/README.md):
///
/// ```
/// seeds/<case-id>.json                     Case: the mutate generator's pool
/// findings/<bucket>/bucket.json            BucketFile: signature, status, counts, dates
/// findings/<bucket>/<case-id>.json         FindingFile: the exemplar (minimized) and the original
/// known/<bucket>/…                         the same, for buckets explained by a known oracle bug
/// tunnel/<mode>-<vendor>-<I>of<N>.json     TunnelGenerator.State: where the walk resumes
/// ```
/// `<case-id>` is `Case.id` (content address), `<bucket>` is `Signature.directoryName`. Every
/// file is JSON with a `schemaVersion`, written with `AtomicFile`, so a campaign killed at any
/// moment leaves only complete files; a finding is printed only after its files are written.
public final class CorpusStore {
    public let root: String

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    /// `bucket.json`.
    public struct BucketFile: Codable, Equatable, Sendable {
        public var schemaVersion = 1
        public var signature: Signature
        public var severity: Severity
        /// `open` (still diverges when last checked) or `fixed` (replay no longer reproduces it).
        public var status: String
        public var count: Int
        public var firstSeen: String
        public var lastSeen: String
        /// Case ids of the exemplar and of the finding as first found.
        public var exemplar: String
        public var original: String?
        public var fixedOn: String?
    }

    /// `<case-id>.json` in a bucket folder.
    public struct FindingFile: Codable, Equatable, Sendable {
        public var schemaVersion = 1
        public var finding: Finding
    }

    /// One stored bucket with its finding files.
    public struct StoredBucket: Sendable {
        public var directory: String
        public var file: BucketFile
        public var findings: [Finding]
        public var exemplar: Finding? { findings.first { $0.case.id == file.exemplar } ?? findings.first }
    }

    public init(root: String) {
        self.root = root
        AtomicFile.removeStaleTemporaries(under: root)
    }

    public func directory(for s: Signature) -> String {
        root + "/" + (s.knownBug == nil ? "findings" : "known") + "/" + s.directoryName
    }

    // MARK: reading

    static func decodeFile<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else { throw FormatError(description: "\(path): cannot read") }
        do {
            let version = try JSONDecoder().decode(VersionProbe.self, from: data).schemaVersion
            guard version == 1 else { throw FormatError(description: "\(path): unknown schemaVersion \(version)") }
            return try JSONDecoder().decode(T.self, from: data)
        } catch let e as FormatError {
            throw e
        } catch {
            throw FormatError(description: "\(path): \(error)")
        }
    }

    struct VersionProbe: Decodable { var schemaVersion: Int }

    func jsonFiles(in dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
    }

    func subdirectories(_ dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }.filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue
        }
    }

    /// Every stored bucket (findings/ then known/), in folder-name order.
    public func buckets() throws -> [StoredBucket] {
        var out: [StoredBucket] = []
        for area in ["findings", "known"] {
            for dir in subdirectories(root + "/" + area) {
                let bucketPath = dir + "/bucket.json"
                guard FileManager.default.fileExists(atPath: bucketPath) else { continue }
                let file = try Self.decodeFile(BucketFile.self, bucketPath)
                var findings: [Finding] = []
                for path in jsonFiles(in: dir) where !path.hasSuffix("/bucket.json") {
                    findings.append(try Self.decodeFile(FindingFile.self, path).finding)
                }
                out.append(StoredBucket(directory: dir, file: file, findings: findings))
            }
        }
        return out
    }

    /// The seeds (seeds/*.json).
    public func seeds() throws -> [Case] {
        try jsonFiles(in: root + "/seeds").map { try Self.decodeFile(Case.self, $0) }
    }

    /// The mutate pool: seeds plus every stored finding's case.
    public func pool() throws -> [Case] {
        var cases = try seeds()
        for b in try buckets() { cases += b.findings.map(\.case) }
        return cases
    }

    /// Finds a stored case by id (or id prefix) anywhere in the corpus.
    public func findCase(id: String) throws -> Case? {
        for c in try seeds() where c.id.hasPrefix(id) { return c }
        for b in try buckets() {
            for f in b.findings where f.case.id.hasPrefix(id) { return f.case }
        }
        return nil
    }

    // MARK: writing

    /// What `record` found on disk.
    public enum RecordOutcome: String, Sendable {
        /// The bucket was not in the corpus.
        case created
        /// The bucket was there and open: its count grows.
        case existing
        /// The bucket was there and marked fixed: it diverges again (a regression).
        case reopened
    }

    /// Stores a bucket seen in this run: its finding files first, then bucket.json (so a
    /// bucket.json never names a missing file). A bucket that already exists keeps its files
    /// and first date; its count grows by `bucket.count`, and a fixed one is reopened.
    @discardableResult
    /// Stores a bucket. With `group`, the files are written into it and land when the caller
    /// commits the group (a campaign does, once per batch); without, each is written and
    /// flushed at once.
    public func record(_ bucket: Bucket, date: String, group: AtomicFile.Group? = nil) throws -> RecordOutcome {
        func write(_ value: some Encodable, _ path: String) throws {
            if let group { try group.writeJSON(value, to: path) } else { try AtomicFile.writeJSON(value, to: path) }
        }
        let dir = directory(for: bucket.signature)
        var files = [bucket.exemplar]
        if let o = bucket.original, o.case.id != bucket.exemplar.case.id { files.append(o) }
        for f in files {
            let path = dir + "/" + f.case.id + ".json"
            if !(group?.exists(path) ?? FileManager.default.fileExists(atPath: path)) { try write(FindingFile(finding: f), path) }
        }
        let path = dir + "/bucket.json"
        if var existing = try? Self.decodeFile(BucketFile.self, path) {
            let reopened = existing.status == "fixed"
            existing.count += bucket.count
            existing.lastSeen = date
            existing.status = "open"
            existing.fixedOn = nil
            try write(existing, path)
            return reopened ? .reopened : .existing
        }
        let file = BucketFile(
            signature: bucket.signature, severity: bucket.severity, status: "open", count: bucket.count, firstSeen: date,
            lastSeen: date, exemplar: bucket.exemplar.case.id, original: files.count > 1 ? files[1].case.id : nil)
        try write(file, path)
        return .created
    }

    /// Adds `extra` findings to a stored bucket's count and sets lastSeen (end of a campaign);
    /// into `group` when given (see `record`).
    public func addCount(_ signature: Signature, extra: Int, date: String, group: AtomicFile.Group? = nil) throws {
        let path = directory(for: signature) + "/bucket.json"
        guard var file = try? Self.decodeFile(BucketFile.self, path) else { return }
        file.count += extra
        file.lastSeen = date
        if let group { try group.writeJSON(file, to: path) } else { try AtomicFile.writeJSON(file, to: path) }
    }

    public func writeBucketFile(_ file: BucketFile, directory: String) throws {
        try AtomicFile.writeJSON(file, to: directory + "/bucket.json")
    }

    public func writeSeed(_ c: Case) throws {
        try AtomicFile.writeJSON(c, to: root + "/seeds/" + c.id + ".json")
    }

    public func tunnelPath(mode: Int, vendor: String, shard: Int, of shards: Int) -> String {
        root + "/tunnel/\(mode)-\(vendor)-\(shard)of\(shards).json"
    }
}
