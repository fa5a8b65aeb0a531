import ArgumentParser
import DiffTest
import Foundation

struct BenchCampaign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Campaign throughput vs Capstone alone on the same cases (jobs 1 and 2), and RSS flatness.",
        discussion: """
            Targets: campaign-jobs1 >= 75% of capstone-alone; campaign-jobs2 >= 1.7x campaign-jobs1;
            RSS within ±10% over --rss-cases (10 million for the issue's figure).
            capstone-alone is Capstone's own decode rate (cs_disasm with detail) on the campaign's
            cases; capstone-normalized adds the normalization into the shared answer model, for
            reference (`capstone-raw` is accepted as an older name of capstone-alone).
            Named only: generate, project-decode, both-decoders, capstone-compare, check: the parts of
            a campaign case over the same cases. both-decoders (the project's full decode and
            Capstone's with detail, nothing compared) over capstone-alone is the ceiling of the
            jobs-1 ratio: what a harness that cost nothing would reach.
            With --json, one object per line: {"subject": "capstone-alone"|"capstone-normalized"|"campaign-jobs1"|"campaign-jobs2"|a part,
            "casesPerSecond": N (wall time), "cpuCasesPerSecond": N (thread CPU time, single-threaded
            subjects only)}, then {"subject": "rss-flatness", …} when --rss-cases is given.
            Example: difftest bench campaign --json --rss-cases 10000000
            """
    )

    @Option(help: "Cases per subject. The jobs-2 ratio is timed by the wall clock: at a million cases (about a second of it) it moved between 1.68x and 1.89x from run to run on this shared 2-core machine, at three million between 1.83x and 1.88x.")
    var cases: Int = 3_000_000

    @Option(help: "Seed of the cases.")
    var seed: UInt64 = 1

    @Option(help: "Also run a campaign of this many cases (jobs 2) and sample its RSS (0: skip).")
    var rssCases: Int = 0

    @Option(help: "Subjects to run (comma separated; default all: \(CampaignBenchmark.subjects.joined(separator: ",")); also \(CampaignBenchmark.extraSubjects.joined(separator: ",")), the parts of a case).")
    var subjects: String = CampaignBenchmark.subjects.joined(separator: ",")

    @Flag(help: "One JSON object per line.")
    var json = false

    var subjectList: [String] { subjects.split(separator: ",").map(String.init) }

    func validate() throws {
        if cases <= 0 { fail("--cases must be positive") }
        for s in subjectList where CampaignBenchmark.subject(named: s) == nil {
            fail("unknown subject '\(s)' (known: \((CampaignBenchmark.subjects + CampaignBenchmark.extraSubjects).joined(separator: ", ")))")
        }
        if subjectList.isEmpty { fail("--subjects is empty") }
        if rssCases < 0 { fail("--rss-cases must not be negative") }
    }

    func run() throws {
        let bench = CampaignBenchmark(seed: seed, cases: cases)
        let results: [CampaignBenchmark.Measurement]
        do { results = try bench.run(subjects: subjectList) } catch { fail("\(error)") }
        func wall(_ s: String) -> Double { results.first { $0.subject == s }?.casesPerSecond ?? .nan }
        func cpu(_ s: String) -> Double { results.first { $0.subject == s }?.cpuCasesPerSecond ?? .nan }
        if json {
            for m in results { print(JSONLine.encode(m)) }
        } else {
            print("subject              wall cases/s   CPU-time cases/s")
            for m in results {
                let c = m.cpuCasesPerSecond.map { String(format: "%12.0f", $0) } ?? "           -"
                print(m.subject.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%13.0f", m.casesPerSecond) + "   " + c)
            }
            let names = Set(results.map(\.subject))
            if names.isSuperset(of: ["campaign-jobs1", "capstone-alone"]) {
                print(String(format: "campaign-jobs1 / capstone-alone       %.2f (target >= 0.75; thread CPU time)", cpu("campaign-jobs1") / cpu("capstone-alone")))
            }
            if names.isSuperset(of: ["both-decoders", "capstone-alone"]) {
                print(String(format: "both-decoders / capstone-alone        %.2f (the ceiling of campaign-jobs1 / capstone-alone: the project's and Capstone's decodes alone)", cpu("both-decoders") / cpu("capstone-alone")))
            }
            if names.isSuperset(of: ["campaign-jobs1", "capstone-normalized"]) {
                print(String(format: "campaign-jobs1 / capstone-normalized  %.2f (for reference: Capstone plus the full normalization; thread CPU time)", cpu("campaign-jobs1") / cpu("capstone-normalized")))
            }
            if names.isSuperset(of: ["campaign-jobs1", "campaign-jobs2"]) {
                print(String(format: "campaign-jobs2 / campaign-jobs1       %.2f (target >= 1.7; wall time, needs two idle cores)", wall("campaign-jobs2") / wall("campaign-jobs1")))
            }
        }
        if rssCases > 0 {
            let m: CampaignBenchmark.MemoryMeasurement
            do { m = try bench.memory(cases: rssCases, jobs: 2) } catch { fail("\(error)") }
            if json {
                print(JSONLine.encode(m))
            } else {
                print("RSS over \(m.cases) cases (MiB, each tenth): \(m.rssMiB.map { String(format: "%.1f", $0) }.joined(separator: " "))")
                print(String(format: "max deviation from the first sample %.1f%% (target <= 10%%)", m.maxDeviationPercent))
            }
        }
    }
}
