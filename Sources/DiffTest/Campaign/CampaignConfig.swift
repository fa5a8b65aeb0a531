import Foundation
import X86Decoder

/// What a campaign runs: seed, generators, oracles, mode and vendor, parallelism, its shard of
/// the case space, and when it stops.
///
/// Case indices: shard I of N (1-based) runs the global indices `start + k·N + (I-1)` for
/// k = 0, 1, 2 …, so N machines with the same seed cover disjoint cases, and a case's origin
/// (seed, index) reproduces it on any machine.
public struct CampaignConfig: Sendable {
    public var seed: UInt64
    public var generators: [GeneratorKind]
    /// Oracles compared with the project decoder (`project` itself is always there).
    public var oracles: [String]
    public var mode: Mode
    public var vendor: Vendor
    public var jobs: Int
    public var shard: Int
    public var shards: Int
    /// Stop after this many cases of this shard, or after `seconds`, whichever comes first
    /// (neither: run until stopped).
    public var cases: Int?
    public var seconds: Double?
    public var start: UInt64
    /// Bound of each new bucket's minimization (0: do not minimize).
    public var minimizeSteps: Int
    /// Also minimize new buckets that a registered known oracle bug explains. Off by default:
    /// those are counted, not reported as new, and their exemplar is still the smallest case
    /// the run saw (`BucketTable.add`); minimizing each of them cost a campaign more than a
    /// tenth of its time (hundreds of known-bug buckets per run, up to `minimizeSteps` checks
    /// each).
    public var minimizeExplained = false
    /// Cases per batch: generated, checked by the workers, then merged in index order.
    public var batchSize: Int

    public init(seed: UInt64, generators: [GeneratorKind] = GeneratorKind.allCases, oracles: [String] = ["capstone", "zydis"],
                mode: Mode = .bits64, vendor: Vendor = .intel, jobs: Int = 1, shard: Int = 1, shards: Int = 1,
                cases: Int? = nil, seconds: Double? = nil, start: UInt64 = 0, minimizeSteps: Int = 200, batchSize: Int = 4096) {
        self.seed = seed
        self.generators = generators
        self.oracles = oracles.filter { $0 != "project" }
        self.mode = mode
        self.vendor = vendor
        self.jobs = max(1, jobs)
        self.shard = shard
        self.shards = shards
        self.cases = cases
        self.seconds = seconds
        self.start = start
        self.minimizeSteps = minimizeSteps
        self.batchSize = batchSize
    }

    /// An execution campaign: every oracle is an execution oracle (`emulator,unicorn`); its
    /// structured cases come from `ExecutionGenerator`, with an initial state.
    public var execution: Bool { ExecutionChecker.isExecution(oracles) }

    @inline(__always)
    public func index(ofCase k: UInt64) -> UInt64 {
        start &+ k &* UInt64(shards) &+ UInt64(shard - 1)
    }
}

/// Live numbers for the progress line.
public struct CampaignProgress: Sendable {
    public var cases: Int
    public var findings: Int
    public var unexplained: Int
    public var buckets: Int
    public var elapsed: Double
    public var casesPerSecond: Double
    /// Estimated seconds left (nil when the campaign runs until stopped).
    public var remaining: Double?
}

/// What a finished (or stopped) campaign found.
public struct CampaignResult: Sendable {
    public var config: CampaignConfig
    public var cases: Int
    public var seconds: Double
    public var findings: Int
    public var explainedFindings: Int
    /// Buckets in first-seen order.
    public var buckets: [Bucket]
    /// Signatures of buckets that were not in the corpus before this run (all, without one).
    public var created: Set<String>
    /// Signatures of corpus buckets marked fixed that diverged again.
    public var reopened: Set<String>
    public var versions: [String: String]
    public var tunnel: TunnelGenerator.State?
    public var startedAt: Date

    public var casesPerSecond: Double { seconds > 0 ? Double(cases) / seconds : 0 }

    /// Unexplained buckets that are new to the corpus or reopened: the campaign's exit 1.
    public var newUnexplained: [Bucket] {
        buckets.filter { !$0.explained && (created.contains($0.id) || reopened.contains($0.id)) }
    }
}

/// Set from a signal handler or another thread; the campaign stops after the current batch.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    public init() {}

    public func set() {
        lock.lock()
        value = true
        lock.unlock()
    }

    public var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
