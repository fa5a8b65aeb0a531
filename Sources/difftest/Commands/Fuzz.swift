import ArgumentParser
import DiffTest
import Foundation
import X86Decoder

struct Fuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a decode campaign: generate cases, compare every oracle, bucket, minimize, store, report.",
        discussion: """
            Default: all generators, all decode oracles, 64-bit intel, a fresh seed (printed first),
            60 seconds, as many jobs as cores, report.json/report.html/findings.jsonl in Reports/.
            Findings are the same for the same --seed and --cases whatever --jobs is.
            Exit status: 0 no new unexplained finding, 1 at least one (new to the corpus, or a
            fixed bucket that diverges again), 2 bad input or set-up error.
            Examples:
              difftest fuzz --seconds 60
              difftest fuzz --seed 7 --cases 100000 --generator structured --oracle zydis --jobs 2
              difftest fuzz --oracle emulator,unicorn --cases 1000000 --seed 1   (execution campaign)
              difftest fuzz --shard 2/4 --seed 20240101 --corpus Corpus --report Reports/nightly
            """
    )

    @Option(help: "Stop after N seconds (default 60 unless --cases is given).")
    var seconds: Double?

    @Option(help: "Stop after N cases (of this shard).")
    var cases: Int?

    @Option(help: "Campaign seed (default: a fresh one, printed).")
    var seed: UInt64?

    @Option(help: "random, structured, tunnel, mutate, a comma list, or all.")
    var generator: String = "all"

    @Option(help: "Comma-separated oracles compared with the project decoder, or execution oracles compared with the emulator (emulator,unicorn).")
    var oracle: String = OracleRegistry.decodeOracleNames.filter { $0 != "project" }.joined(separator: ",")

    @OptionGroup var options: DecodeOptions

    @Option(help: "Parallel workers, each with its own oracle handles (default: one per core).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "I/N: run shard I (1-based) of N over the seed's case space.")
    var shard: String = "1/1"

    @Option(help: "First case index (to replay part of a campaign).")
    var start: UInt64 = 0

    @Option(help: "Corpus folder: seeds for mutate, findings stored by bucket, tunnel position.")
    var corpus: String?

    @Option(help: "Folder for report.json, report.html and findings.jsonl.")
    var report: String = "Reports"

    @Option(help: "A previous report.json: buckets are marked new / still open / fixed against it.")
    var previous: String?

    @Option(help: "Maximum checks when minimizing a new bucket's exemplar (0: off).")
    var minimizeSteps: Int = 200

    @Flag(help: "Also minimize new buckets explained by a registered known oracle bug (default: only unexplained ones).")
    var minimizeKnown = false

    @Option(help: "Which findings findings.jsonl lists: all, or unexplained (those no registered known oracle bug explains; the buckets in the report still count every finding). A default 60-second campaign finds about 800,000, 200 MB of lines, nearly all explained.")
    var findings: FindingsLevel = .all

    @Flag(help: "Print nothing but the summary.")
    var quiet = false

    func validate() throws {
        if let s = seconds, s <= 0 { fail("--seconds must be positive") }
        if let c = cases, c <= 0 { fail("--cases must be positive") }
        if jobs < 1 { fail("--jobs must be at least 1") }
        if GeneratorKind.parseList(generator) == nil {
            fail("unknown generator '\(generator)' (known: random, structured, tunnel, mutate, all)")
        }
        let names = oracle.split(separator: ",").map(String.init)
        if ExecutionChecker.isExecution(names) {
            if !names.contains("emulator") || names.count < 2 { fail("an execution campaign compares the emulator with another execution oracle: --oracle emulator,unicorn") }
            if generator != "all" && generator != "structured" { fail("execution campaigns use the structured generator (--generator structured)") }
            if options.mode != .bits64 { fail("execution campaigns run 64-bit code (--mode 64)") }
        } else {
            for name in names where !OracleRegistry.decodeOracleNames.contains(name) {
                fail("unknown oracle '\(name)' (known: \((OracleRegistry.decodeOracleNames + ExecutionChecker.oracleNames).joined(separator: ", ")))")
            }
        }
        if Self.parseShard(shard) == nil { fail("--shard must be I/N with 1 <= I <= N (e.g. 2/4)") }
    }

    static func parseShard(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(i) else { return nil }
        return (i, n)
    }

    func run() throws {
        let seed = seed ?? UInt64.random(in: 1..<(UInt64(1) << 53))
        let (shardIndex, shardCount) = Self.parseShard(shard)!
        let execution = ExecutionChecker.isExecution(oracle.split(separator: ",").map(String.init))
        let kinds = execution ? [GeneratorKind.structured] : GeneratorKind.parseList(generator)!
        print("seed \(seed)")
        fflush(nil)
        var config = CampaignConfig(
            seed: seed, generators: kinds, oracles: oracle.split(separator: ",").map(String.init), mode: options.mode,
            vendor: options.vendor, jobs: jobs, shard: shardIndex, shards: shardCount, cases: cases,
            seconds: seconds ?? (cases == nil ? 60 : nil), start: start, minimizeSteps: minimizeSteps)
        config.batchSize = 4096
        config.minimizeExplained = minimizeKnown
        var previousReport: CampaignReport?
        if let previous {
            do { previousReport = try CampaignReport.read(previous) } catch { fail("\(error)") }
        }
        let store = corpus.map { CorpusStore(root: $0) }
        var pool: [Case] = []
        var tunnel: TunnelGenerator?
        let tunnelPath = store?.tunnelPath(mode: options.mode.bits, vendor: options.vendor.rawValue, shard: shardIndex, of: shardCount)
        if let store {
            do { pool = try store.pool() } catch { fail("corpus: \(error)") }
            if kinds.contains(.tunnel), let path = tunnelPath, let data = FileManager.default.contents(atPath: path) {
                do {
                    let state = try JSONDecoder().decode(TunnelGenerator.State.self, from: data)
                    tunnel = try TunnelGenerator(
                        resuming: state, seed: seed, mode: options.mode, vendor: options.vendor, shard: shardIndex, of: shardCount)
                } catch {
                    fail("\(path): \(error)")
                }
            }
        }
        let campaign: Campaign
        do { campaign = try Campaign(config: config, pool: pool, store: store, tunnel: tunnel) } catch { fail("\(error)") }
        do { try FileManager.default.createDirectory(atPath: report, withIntermediateDirectories: true) } catch {
            fail("cannot create \(report): \(error)")
        }
        let log = FindingsLog(path: report + "/findings.jsonl")
        guard log.isOpen else { fail("cannot write \(report)/findings.jsonl") }
        let everyFinding = findings == .all
        campaign.onFinding = { f, _ in if everyFinding || !f.explained { log.append(f) } }
        campaign.onBatch = { log.flush() }
        let quiet = quiet
        campaign.onNewBucket = { b, outcome in
            guard !quiet else { return }
            ProgressLine.clear()
            print(FuzzText.newBucket(b, outcome: outcome))
            fflush(nil)  // printed means stored: nothing printed may sit in a buffer
        }
        let progress = ProgressLine()
        campaign.progressInterval = progress.interval
        if !quiet { campaign.onProgress = { progress.show($0) } }
        let stopSource = StopOnSignal(campaign.stop)
        let result = campaign.run()
        stopSource.cancel()
        log.flush()
        ProgressLine.clear()
        if let store, let path = tunnelPath, let state = result.tunnel {
            try? AtomicFile.writeJSON(state, to: path)
            _ = store
        }
        let r = CampaignReport(result: result, previous: previousReport, previousPath: previous)
        do { try r.write(to: report) } catch { fail("cannot write the report: \(error)") }
        print(FuzzText.summary(result, report: r))
        print("wrote \(report)/report.json, \(report)/report.html, \(report)/findings.jsonl")
        if !result.newUnexplained.isEmpty { throw ExitCode(1) }
    }
}

/// What findings.jsonl lists (`fuzz --findings`).
enum FindingsLevel: String, ExpressibleByArgument, CaseIterable {
    case all, unexplained
}

/// findings.jsonl: one finding per line in case-index order, no timestamps, so two runs with
/// the same --seed and --cases write the same bytes. Written per batch with one write(2).
/// Compact (a campaign finds hundreds of thousands): index, generator, bytes, signature,
/// field, what each side said, severity, blame; the full findings are in the corpus/report.
final class FindingsLog: @unchecked Sendable {
    let handle: FileHandle?
    var buffer: [UInt8] = []

    init(path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: nil)  // FileHandle below says whether it opened
        handle = FileHandle(forWritingAtPath: path)
    }

    var isOpen: Bool { handle != nil }

    func append(_ f: Finding) { FindingLine.append(f, to: &buffer) }

    func flush() {
        guard !buffer.isEmpty else { return }
        handle?.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// SIGINT/SIGTERM stop the campaign after the current batch; the report is still written.
final class StopOnSignal {
    var sources: [DispatchSourceSignal] = []

    init(_ flag: StopFlag) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { flag.set() }
            s.resume()
            sources.append(s)
        }
    }

    func cancel() {
        for s in sources { s.cancel() }
    }
}

/// A live progress line on a terminal (standard error, redrawn 4 times a second), plain lines
/// every 10 seconds otherwise.
final class ProgressLine: @unchecked Sendable {
    static let isTerminal = isatty(STDERR_FILENO) == 1
    var interval: Double { Self.isTerminal ? 0.25 : 10 }

    func show(_ p: CampaignProgress) {
        var text = String(format: "%d cases  %.0f cases/s  %d findings (%d unexplained)  %d buckets", p.cases, p.casesPerSecond, p.findings,
                          p.unexplained, p.buckets)
        if let left = p.remaining { text += String(format: "  %.0f s left", left) }
        if Self.isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else {
            FileHandle.standardError.write(Data(("progress: " + text + "\n").utf8))
        }
    }

    static func clear() {
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

enum FuzzText {
    static func newBucket(_ b: Bucket, outcome: CorpusStore.RecordOutcome?) -> String {
        let tag: String
        switch outcome {
        case .reopened: tag = "REOPENED"
        case .existing: tag = "known bucket"
        default: tag = b.explained ? "new (known oracle bug)" : "NEW"
        }
        var line = "\(tag) [\(b.severity.rawValue)] \(b.id)  \(b.exemplar.field): "
        line += b.exemplar.values.keys.sorted().map { "\($0) \(b.exemplar.values[$0]!)" }.joined(separator: ", ")
        if let blame = b.blame, !b.explained { line += "  (blame by vote: \(blame))" }
        line += "\n    " + b.exemplar.case.reproLine
        if let o = b.original { line += "   (minimized from \(o.case.hex))" }
        return line
    }

    static func summary(_ r: CampaignResult, report: CampaignReport) -> String {
        let t = report.totals
        var out = String(format: "\n%d cases in %.1f s (%.0f cases/s), seed %llu, shard %d/%d, %d jobs\n", r.cases, r.seconds, r.casesPerSecond,
                         r.config.seed, r.config.shard, r.config.shards, r.config.jobs)
        out += "findings: \(t.findings) (\(t.unexplainedFindings) unexplained, \(t.explainedFindings) known oracle bugs) in \(t.buckets) buckets"
        out += " (\(t.newBuckets) new, \(t.openBuckets) still open, \(t.fixedBuckets) fixed)\n"
        for pair in t.byPair.keys.sorted() {
            let row = t.byPair[pair]!
            out += "  \(pair): " + Severity.allCases.map { "\($0.rawValue) \(row[$0.rawValue] ?? 0)" }.joined(separator: ", ") + "\n"
        }
        let fresh = r.newUnexplained
        out += fresh.isEmpty ? "no new unexplained finding" : "\(fresh.count) new unexplained bucket(s)"
        return out
    }
}
