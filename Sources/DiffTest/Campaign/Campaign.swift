import Foundation
import Synchronization
import X86Decoder

/// A decode campaign: cases from the generators, checked against every oracle by `jobs`
/// workers (each with its own oracle handles), findings merged in case-index order into
/// buckets. New buckets are minimized and stored in the corpus before they are reported, so
/// the findings, buckets and exemplars are the same for any `jobs` and a killed campaign loses
/// nothing it printed.
///
/// Per batch of `batchSize` cases: the coordinator walks the tunnel generator for the batch's
/// tunnel indices (the only sequential generator), the workers each take a contiguous slice,
/// make the other cases from the seed (`CaseFactory`) and check them, then the coordinator
/// merges the slices in order.
public final class Campaign: @unchecked Sendable {  // run() on one thread; workers touch only their own slot
    public let config: CampaignConfig
    let factory: CaseFactory
    var tunnel: TunnelGenerator?
    let workers: [Worker]
    /// The next chunk of the current batch to take: the only state the workers share (one
    /// atomic increment per `chunkSize` cases, no lock).
    let nextChunk = Atomic<Int>(0)
    static let chunkSize = 128
    let store: CorpusStore?
    let date: String

    /// Called for every finding in case-index order (e.g. to append it to findings.jsonl).
    public var onFinding: ((Finding, UInt64) -> Void)?
    /// Called once per batch with every finding of the batch (after `onFinding`).
    public var onBatch: (() -> Void)?
    /// Called for each new bucket after it is minimized and stored.
    public var onNewBucket: ((Bucket, CorpusStore.RecordOutcome?) -> Void)?
    public var onProgress: ((CampaignProgress) -> Void)?
    public var progressInterval: Double = 1
    public let stop = StopFlag()

    /// One worker's own checker, minimizer and output slots: nothing in it is shared, so a
    /// batch needs no lock per case.
    final class Worker: @unchecked Sendable {  // used by one thread at a time
        let checker: any CaseChecker
        let minimizer: Minimizer
        var found: [(slot: Int, findings: [Finding])] = []
        var takenChunks = 0
        /// The cases of the chunk being checked (reused).
        var chunk: [Case] = []
        /// Some oracle answers in batches (`CaseChecker.prepare`): the native sandbox.
        let batchesOracles: Bool
        /// Exemplars of signatures first seen (in this worker's slice) in this batch, minimized
        /// here, keyed by signature; the coordinator takes the one of the lowest index.
        var exemplars: [Signature: (slot: Int, exemplar: Finding, original: Finding?)] = [:]
        init(_ checker: any CaseChecker, minimizeSteps: Int) {
            self.checker = checker
            minimizer = Minimizer(checker: checker, maxSteps: minimizeSteps)
            batchesOracles = (checker as? DecodeChecker)?.others.contains { $0 is BatchDecodeOracle } == true
        }
    }

    /// Opens `jobs` oracle sets; throws when an oracle cannot be set up. `pool`: the mutate
    /// generator's seeds; `tunnel`: a resumed walk (default: a fresh one for the seed and shard).
    public init(config: CampaignConfig, pool: [Case] = [], store: CorpusStore? = nil, tunnel: TunnelGenerator? = nil,
                date: String = ISO8601DateFormatter().string(from: Date())) throws {
        self.config = config
        factory = CaseFactory(seed: config.seed, mode: config.mode, vendor: config.vendor, kinds: config.generators, pool: pool, execution: config.execution)
        if config.generators.contains(.tunnel) {
            self.tunnel = tunnel ?? TunnelGenerator(seed: config.seed, mode: config.mode, vendor: config.vendor, shard: config.shard, of: config.shards)
        }
        workers = try (0..<config.jobs).map { _ in Worker(try CaseCheckers.make(oracleNames: config.oracles), minimizeSteps: config.minimizeSteps) }
        self.store = store
        self.date = date
    }

    public var versions: [String: String] { workers[0].checker.versions }

    public func run() -> CampaignResult {
        let startedAt = Date()
        let clock = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9 }
        var table = BucketTable()
        var known = Set<Signature>()  // signatures of the table, handed to the workers per batch
        var created = Set<String>()
        var reopened = Set<String>()
        var done = 0
        var findings = 0
        var explained = 0
        var lastProgress = 0.0
        let jobs = workers.count
        var tunnelSlots = [[UInt8]?](repeating: nil, count: config.batchSize)
        // The batch's corpus writes land together (one flush), before its new buckets are
        // announced: nothing is printed before its files are durable.
        let group = store.map { AtomicFile.Group(root: $0.root) }
        var announced: [(bucket: Bucket, outcome: CorpusStore.RecordOutcome?)] = []

        while !stop.isSet {
            var size = config.batchSize
            if let limit = config.cases { size = min(size, limit - done) }
            let n = size
            if n <= 0 { break }
            if let s = config.seconds, elapsed() >= s { break }
            let base = UInt64(done)
            if tunnel != nil {
                for j in 0..<n {
                    tunnelSlots[j] = factory.kind(at: config.index(ofCase: base + UInt64(j))) == .tunnel ? tunnel!.next() : nil
                }
            }
            // The batch's read-only copies (`known`, the tunnel slots) end with this scope, so
            // the merge below mutates the originals in place instead of copying them.
            do {
                let slots = tunnelSlots
                let snapshot = known  // read-only during the batch
                let chunks = (n + Self.chunkSize - 1) / Self.chunkSize
                nextChunk.store(0, ordering: .relaxed)
                let work: @Sendable (Int) -> Void = { w in
                    let worker = self.workers[w]
                    worker.found.removeAll(keepingCapacity: true)
                    worker.exemplars.removeAll(keepingCapacity: true)
                    worker.takenChunks = 0
                    // Chunks are taken in increasing order, so each worker's slots ascend.
                    while true {
                        let k = jobs == 1 ? worker.takenChunks : self.nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
                        worker.takenChunks += 1
                        guard k < chunks else { break }
                        let range = (k * Self.chunkSize)..<min(n, (k + 1) * Self.chunkSize)
                        worker.chunk.removeAll(keepingCapacity: true)
                        for j in range {
                            let index = self.config.index(ofCase: base + UInt64(j))
                            if let bytes = slots[j] {
                                worker.chunk.append(Case(mode: self.config.mode, vendor: self.config.vendor, bytes: bytes,
                                                         origin: .init(generator: "tunnel", seed: self.config.seed, index: index)))
                            } else {
                                worker.chunk.append(self.factory.make(at: index)!)
                            }
                        }
                        if worker.batchesOracles { worker.checker.prepare(worker.chunk) }
                        for (j, c) in zip(range, worker.chunk) {
                            let fs = worker.checker.check(c, withAnswers: false)
                            guard !fs.isEmpty else { continue }
                            worker.found.append((j, fs))
                            for f in fs where !snapshot.contains(f.signature) && worker.exemplars[f.signature] == nil {
                                let (exemplar, original) = self.exemplar(of: f, worker: worker)
                                worker.exemplars[f.signature] = (j, exemplar, original)
                            }
                        }
                    }
                }
                if jobs == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: jobs, execute: work) }
            }
            var merged = workers[0].found
            for worker in workers.dropFirst() { merged += worker.found }
            if jobs > 1 { merged.sort { $0.slot < $1.slot } }
            do {
                for (slot, fs) in merged {
                    let index = config.index(ofCase: base + UInt64(slot))
                    for f in fs {
                        findings += 1
                        if f.explained { explained += 1 }
                        onFinding?(f, index)
                        guard table.add(f, index: index) else { continue }
                        known.insert(f.signature)
                        var bucket = table[f.signature]!
                        let minimized = workers.compactMap { $0.exemplars[f.signature] }.min { $0.slot < $1.slot }!
                        bucket.exemplar = minimized.exemplar
                        bucket.original = minimized.original
                        table.update(bucket)
                        var outcome: CorpusStore.RecordOutcome?
                        if let store {
                            do { outcome = try store.record(bucket, date: date, group: group) } catch { outcome = nil }
                        }
                        announced.append((bucket, outcome))
                    }
                }
            }
            if let group {
                do { try group.commit() } catch {
                    for k in announced.indices { announced[k].outcome = nil }
                }
            }
            for (bucket, outcome) in announced {
                if outcome == nil || outcome == .created { created.insert(bucket.id) }
                if outcome == .reopened { reopened.insert(bucket.id) }
                onNewBucket?(bucket, outcome)
            }
            announced.removeAll(keepingCapacity: true)
            onBatch?()
            done += n
            let t = elapsed()
            if let onProgress, t - lastProgress >= progressInterval {
                lastProgress = t
                onProgress(progress(done: done, findings: findings, explained: explained, buckets: table.count, elapsed: t))
            }
        }
        let seconds = elapsed()
        if let store {
            for b in table.buckets where b.count > 1 { try? store.addCount(b.signature, extra: b.count - 1, date: date, group: group) }
            try? group?.commit()
        }
        var buckets = table.buckets
        for k in buckets.indices {
            buckets[k].firstSeen = buckets[k].firstSeen ?? date
            buckets[k].lastSeen = date
        }
        return CampaignResult(
            config: config, cases: done, seconds: seconds, findings: findings, explainedFindings: explained, buckets: buckets,
            created: created, reopened: reopened, versions: versions, tunnel: tunnel?.state, startedAt: startedAt)
    }

    /// A new bucket's first finding, minimized (and the original when minimization changed
    /// it), with every oracle's answers; run by the worker that found it. Explained buckets
    /// are minimized only with `config.minimizeExplained`.
    func exemplar(of first: Finding, worker: Worker) -> (Finding, Finding?) {
        var exemplar = first
        var original: Finding?
        if config.minimizeSteps > 0, first.knownBug == nil || config.minimizeExplained, let r = worker.minimizer.minimize(first.case, signature: first.signature), r.case.bytes != first.case.bytes {
            original = first
            exemplar = r.finding
        }
        let checker = worker.checker
        let full = checker.check(exemplar.case, withAnswers: true).first { $0.signature == first.signature }
        exemplar.answers = full?.answers
        exemplar.executions = full?.executions
        if let o = original {
            let full = checker.check(o.case, withAnswers: true).first { $0.signature == first.signature }
            original!.answers = full?.answers
            original!.executions = full?.executions
        }
        return (exemplar, original)
    }

    func progress(done: Int, findings: Int, explained: Int, buckets: Int, elapsed: Double) -> CampaignProgress {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var remaining: Double?
        if let s = config.seconds { remaining = max(0, s - elapsed) }
        if let c = config.cases, rate > 0 {
            let byCases = Double(c - done) / rate
            remaining = min(remaining ?? byCases, byCases)
        }
        return CampaignProgress(
            cases: done, findings: findings, unexplained: findings - explained, buckets: buckets, elapsed: elapsed,
            casesPerSecond: rate, remaining: remaining)
    }
}
