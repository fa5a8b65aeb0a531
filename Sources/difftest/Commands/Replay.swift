import ArgumentParser
import DiffTest
import Foundation
import X86Decoder

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run every stored finding and say which still diverge and which are fixed.",
        discussion: """
            A bucket still diverges when any of its stored cases reproduces its signature; it is
            then marked open, otherwise fixed (bucket.json is updated atomically).
            Exit status: 0 when no bucket marked fixed diverges again, 1 when one does, 2 on bad
            input (an unreadable corpus file).
            Example: difftest replay --corpus Corpus
            """
    )

    @Option(help: "Corpus folder.")
    var corpus: String = "Corpus"

    @Option(help: "Comma-separated oracles compared with the project decoder.")
    var oracle: String = OracleRegistry.decodeOracleNames.filter { $0 != "project" }.joined(separator: ",")

    @Flag(help: "Do not update bucket.json files.")
    var dryRun = false

    func run() throws {
        let checker: DecodeChecker
        do { checker = try DecodeChecker(oracleNames: oracle.split(separator: ",").map(String.init)) } catch { fail("\(error)") }
        let outcomes: [CorpusReplay.Outcome]
        do {
            outcomes = try CorpusReplay(store: CorpusStore(root: corpus), checker: checker)
                .run(date: ISO8601DateFormatter().string(from: Date()), dryRun: dryRun)
        } catch {
            fail("\(error)")
        }
        for o in outcomes {
            let label = o.verdict.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
            print("\(label) \(o.bucket.file.signature.text)  \(o.bucket.exemplar?.case.reproLine ?? "")")
        }
        func count(_ v: CorpusReplay.Verdict...) -> Int { outcomes.filter { v.contains($0.verdict) }.count }
        let regressions = count(.regression)
        print("\(outcomes.count) buckets: \(count(.stillDiverges, .regression)) diverge (\(regressions) after being fixed), \(count(.fixed, .fixedNow)) fixed")
        if regressions > 0 { throw ExitCode(1) }
    }
}
