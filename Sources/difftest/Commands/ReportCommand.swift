import ArgumentParser
import DiffTest
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild report.json and report.html from a corpus.",
        discussion: """
            Every stored bucket with its stored count, dates and exemplar; buckets marked fixed by
            `replay` are listed as fixed. With --previous, buckets are new / still open / fixed
            against that report.
            Example: difftest report --corpus Corpus --out Reports/corpus --previous Reports/2024-01-01/report.json
            """
    )

    @Option(help: "Corpus folder.")
    var corpus: String = "Corpus"

    @Option(help: "Output folder for report.json and report.html.")
    var out: String = "Reports"

    @Option(help: "A previous report.json to compare with.")
    var previous: String?

    func run() throws {
        let buckets: [CorpusStore.StoredBucket]
        do { buckets = try CorpusStore(root: corpus).buckets() } catch { fail("\(error)") }
        var previousReport: CampaignReport?
        if let previous {
            do { previousReport = try CampaignReport.read(previous) } catch { fail("\(error)") }
        }
        var versions: [String: String] = [:]
        if let checker = try? DecodeChecker(oracleNames: OracleRegistry.decodeOracleNames) { versions = checker.versions }
        let r = CampaignReport(corpus: buckets, versions: versions, previous: previousReport, previousPath: previous)
        do { try r.write(to: out) } catch { fail("cannot write the report: \(error)") }
        print("\(r.totals.buckets) buckets (\(r.totals.findings) findings), \(r.fixed.count) fixed")
        print("wrote \(out)/report.json, \(out)/report.html")
    }
}
