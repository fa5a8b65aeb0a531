import Foundation
import X86Decoder

/// `difftest bench campaign`: what the harness costs on top of its oracles, in one run.
/// - `capstone-alone`: Capstone's own decode rate: cs_disasm with detail (the campaign needs
///   operands) over the campaign's exact cases, generated beforehand. The peer: the
///   campaign's cost beyond it is the harness's;
/// - `capstone-normalized`: CapstoneOracle.decode, the same plus normalization into the shared
///   answer model (what campaigns consumed for every case before session 5; now only for
///   cases the raw comparison cannot show equal), for reference;
/// - `campaign-jobs1` / `campaign-jobs2`: the whole campaign (generation, project decode,
///   comparison, buckets, minimization of new buckets) with Capstone as the only oracle.
/// Plus RSS sampled over a long campaign, to show memory stays flat.
public struct CampaignBenchmark {
    public struct Measurement: Codable, Sendable {
        public var subject: String
        /// Cases per second of wall time.
        public var casesPerSecond: Double
        /// Cases per second of the measuring thread's CPU time, for the single-threaded
        /// subjects (capstone-alone, capstone-normalized, campaign-jobs1: with one job the campaign's worker runs on
        /// the calling thread); nil for campaign-jobs2. Their ratio holds on a busy machine,
        /// where the wall-time one does not.
        public var cpuCasesPerSecond: Double?
    }

    public struct MemoryMeasurement: Codable, Sendable {
        public var subject = "rss-flatness"
        public var cases: Int
        /// RSS in MiB at each tenth of the run (the first after warm-up).
        public var rssMiB: [Double]
        /// Largest deviation from the first sample, in percent.
        public var maxDeviationPercent: Double
    }

    public var seed: UInt64
    public var cases: Int
    public var mode: Mode = .bits64

    public init(seed: UInt64, cases: Int) {
        self.seed = seed
        self.cases = cases
    }

    func config(jobs: Int, cases: Int) -> CampaignConfig {
        CampaignConfig(seed: seed, oracles: ["capstone"], mode: mode, jobs: jobs, cases: cases)
    }

    /// The campaign's cases for jobs = any, in index order.
    func cases(_ n: Int) -> [Case] {
        let c = config(jobs: 1, cases: n)
        let factory = CaseFactory(seed: seed, mode: mode, vendor: .intel, kinds: c.generators)
        var tunnel = TunnelGenerator(seed: seed, mode: mode, vendor: .intel)
        return (0..<UInt64(n)).map { k in
            let index = c.index(ofCase: k)
            return factory.make(at: index) ?? Case(mode: mode, bytes: tunnel.next())
        }
    }

    /// Every subject, in run order. The ratio is campaign-jobs1 / capstone-alone.
    /// (Sessions 3 and 4 called cs_disasm alone `capstone-raw` and the normalized answer
    /// `capstone-alone`; `capstone-raw` is still accepted as a name for capstone-alone.)
    public static let subjects = ["capstone-alone", "capstone-normalized", "campaign-jobs1", "campaign-jobs2"]
    /// Parts of a campaign case, run only when named: making the cases (`generate`), the
    /// project's full decode (`project-decode`), that and Capstone's decode with detail, nothing
    /// compared (`both-decoders`: the most a campaign could reach), plus the raw comparison
    /// (`capstone-compare`), and the checker's whole `check`.
    public static let extraSubjects = ["generate", "project-decode", "both-decoders", "capstone-compare", "check"]

    /// The subject `name` stands for (an older name maps to its subject), or nil if none.
    public static func subject(named name: String) -> String? {
        let subject = name == "capstone-raw" ? "capstone-alone" : name
        return subjects.contains(subject) || extraSubjects.contains(subject) ? subject : nil
    }

    public func run(subjects: [String] = subjects) throws -> [Measurement] {
        var out: [Measurement] = []
        var all: [Case] = []
        let subjects = subjects.compactMap(Self.subject(named:))
        if subjects.contains(where: { $0.hasPrefix("capstone") || Self.extraSubjects.contains($0) }) { all = cases(cases) }
        let capstone = try CapstoneOracle()
        /// Times `decodes` over every case on this thread.
        func timed(_ subject: String, _ decodes: (Case) -> Bool) {
            var valid = 0
            let t0 = DispatchTime.now().uptimeNanoseconds
            let c0 = threadCPUNanoseconds()
            for c in all where decodes(c) { valid += 1 }
            let cpu = Double(threadCPUNanoseconds() - c0) / 1e9
            let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            out.append(Measurement(subject: subject, casesPerSecond: Double(all.count) / wall, cpuCasesPerSecond: Double(all.count) / cpu))
            _ = valid
        }
        if subjects.contains("capstone-alone") {
            timed("capstone-alone") { c in c.bytes.withUnsafeBytes { capstone.rawLength($0, mode: c.mode, detail: true) } != nil }
        }
        if subjects.contains("capstone-normalized") {
            timed("capstone-normalized") { c in capstone.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0).valid }
        }
        // The campaign's cases are all of `mode`, vendor intel.
        let decoder = X86Decoder(mode: mode, vendor: .intel)
        var instruction = Instruction()
        if subjects.contains("project-decode") {
            // As the campaign decodes: one decoder, the instruction decoded in place.
            timed("project-decode") { c in c.bytes.withUnsafeBytes { decoder.decode($0, address: 0, into: &instruction) } == nil }
        }
        if subjects.contains("both-decoders") {
            // What a campaign cannot do without: the system under test and the oracle decode
            // every case. Its rate over capstone-alone bounds campaign-jobs1 / capstone-alone.
            timed("both-decoders") { c in
                c.bytes.withUnsafeBytes { b in
                    let invalid = decoder.decode(b, address: 0, into: &instruction)
                    return (capstone.rawLength(b, mode: c.mode, detail: true) == nil) == (invalid != nil)
                }
            }
        }
        if subjects.contains("capstone-compare") {
            timed("capstone-compare") { c in
                let invalid = c.bytes.withUnsafeBytes { decoder.decode($0, address: 0, into: &instruction) }
                return capstone.decode(c.bytes, mode: c.mode, vendor: c.vendor, unlessAgreeingWith: instruction, invalid: invalid) == nil
            }
        }
        if subjects.contains("check") {
            let checker = DecodeChecker(others: [capstone])
            timed("check") { c in checker.check(c, withAnswers: false).isEmpty }
        }
        if subjects.contains("generate") {
            let g = config(jobs: 1, cases: cases)
            let factory = CaseFactory(seed: seed, mode: mode, vendor: .intel, kinds: g.generators)
            var k: UInt64 = 0
            timed("generate") { _ in k += 1; return factory.make(at: g.index(ofCase: k)) != nil }
        }
        for jobs in [1, 2] where subjects.contains("campaign-jobs\(jobs)") {
            // With one job the campaign runs its worker on this thread.
            let c0 = threadCPUNanoseconds()
            let r = try Campaign(config: config(jobs: jobs, cases: cases)).run()
            let cpu = Double(threadCPUNanoseconds() - c0) / 1e9
            out.append(Measurement(subject: "campaign-jobs\(jobs)", casesPerSecond: r.casesPerSecond, cpuCasesPerSecond: jobs == 1 ? Double(r.cases) / cpu : nil))
        }
        return out
    }

    /// Runs `cases` cases with `jobs` workers and samples RSS at every tenth.
    public func memory(cases: Int, jobs: Int) throws -> MemoryMeasurement {
        var c = config(jobs: jobs, cases: cases)
        c.minimizeSteps = 200
        let campaign = try Campaign(config: c)
        var samples: [Double] = []
        var next = cases / 10
        campaign.progressInterval = 0
        campaign.onProgress = { p in
            if p.cases >= next {
                samples.append(Self.residentMiB())
                next += cases / 10
            }
        }
        _ = campaign.run()
        let first = samples.first ?? 0
        let worst = samples.map { abs($0 - first) / max(first, 1) * 100 }.max() ?? 0
        return MemoryMeasurement(cases: cases, rssMiB: samples.map { ($0 * 10).rounded() / 10 }, maxDeviationPercent: (worst * 10).rounded() / 10)
    }

    /// Resident set size from /proc/self/statm.
    public static func residentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}
