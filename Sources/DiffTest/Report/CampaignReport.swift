import Foundation

/// `report.json`: one campaign's (or one corpus's) findings for machines, and the model
/// `report.html` is rendered from. Sorted keys, schema-versioned; readers reject versions they
/// do not know. Buckets come in report order (`Bucket.reportOrder`), then the buckets of the
/// previous report that are gone (`fixed`).
public struct CampaignReport: Codable, Equatable, Sendable {
    public static let currentSchemaVersion = 1
    public var schemaVersion = CampaignReport.currentSchemaVersion
    public var run: RunInfo
    public var totals: Totals
    public var buckets: [Entry]
    /// Buckets of the previous report that this one no longer has.
    public var fixed: [Entry]
    /// The previous report compared against (`--previous`), if any.
    public var previous: String?

    public struct RunInfo: Codable, Equatable, Sendable {
        public var tool = "difftest"
        public var version = DiffTestVersion.current
        public var commit: String?
        /// ISO 8601, UTC: when the run started.
        public var date: String
        /// `campaign` or `corpus` (rebuilt by `difftest report`).
        public var source: String
        public var seed: UInt64?
        public var generators: [String]
        /// Oracle name -> library version.
        public var oracles: [String: String]
        public var cpu: CPUInfo
        public var mode: Int?
        public var vendor: String?
        public var jobs: Int?
        /// `I/N`.
        public var shard: String?
        public var durationSeconds: Double
        public var cases: Int
        public var casesPerSecond: Double
    }

    public struct Totals: Codable, Equatable, Sendable {
        public var findings: Int
        public var unexplainedFindings: Int
        public var explainedFindings: Int
        public var buckets: Int
        public var unexplainedBuckets: Int
        public var newBuckets: Int
        public var openBuckets: Int
        public var fixedBuckets: Int
        /// Findings by oracle pair (`project:capstone`) then severity.
        public var byPair: [String: [String: Int]]
        /// Findings by severity.
        public var bySeverity: [String: Int]
    }

    /// One bucket in the report.
    public struct Entry: Codable, Equatable, Sendable {
        public var id: String
        public var signature: Signature
        public var severity: Severity
        /// `new` (not in the previous report / corpus), `open` (still there), `fixed` (gone).
        public var status: String
        public var count: Int
        public var explained: Bool
        public var knownBug: String?
        public var blame: String?
        public var firstSeen: String?
        public var lastSeen: String?
        public var firstIndex: UInt64?
        public var lastIndex: UInt64?
        public var exemplar: Finding
        public var original: Finding?
        /// The line to paste: `difftest repro --mode 64 --vendor intel 0fb9c0`.
        public var repro: String
    }
}

/// The machine a run took place on, from /proc/cpuinfo.
public struct CPUInfo: Codable, Equatable, Sendable {
    public var vendor: String
    public var family: Int?
    public var model: Int?
    public var name: String?

    public static func current() -> CPUInfo {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return CPUInfo(vendor: "unknown") }
        var info = CPUInfo(vendor: "unknown")
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else {
                if line.trimmingCharacters(in: .whitespaces).isEmpty && info.vendor != "unknown" { break }
                continue
            }
            switch parts[0] {
            case "vendor_id": info.vendor = parts[1]
            case "cpu family": info.family = Int(parts[1])
            case "model": info.model = Int(parts[1])
            case "model name": info.name = parts[1]
            default: break
            }
        }
        return info
    }
}

/// The commit a run was built from: $DIFFTEST_COMMIT, $GITHUB_SHA, or read from .git (HEAD and
/// refs, no git process) in the current folder or above.
public enum SourceCommit {
    public static func current() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let c = env["DIFFTEST_COMMIT"] ?? env["GITHUB_SHA"], !c.isEmpty { return c }
        var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<8 {
            let git = dir.appendingPathComponent(".git").path
            if let head = try? String(contentsOfFile: git + "/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) {
                guard head.hasPrefix("ref: ") else { return head }
                let ref = String(head.dropFirst(5))
                if let sha = try? String(contentsOfFile: git + "/" + ref, encoding: .utf8) {
                    return sha.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                if let packed = try? String(contentsOfFile: git + "/packed-refs", encoding: .utf8) {
                    for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                        return String(line.split(separator: " ")[0])
                    }
                }
                return nil
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}
