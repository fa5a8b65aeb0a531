import Foundation
import Testing
import X86Decoder

@testable import DiffTest

/// report.json and report.html: schema, new / open / fixed against a previous report,
/// escaping, and the page rendered by a real headless browser with 10,000 findings.
@Suite struct ReportTests {
    /// `buckets` buckets from a planted-bug oracle, `perBucket` findings each.
    static func buckets(_ count: Int, perBucket: Int) -> [Bucket] {
        let checker = DecodeChecker(others: [PlantedBugOracle(name: "bad", opcode: nil)])
        var out: [Bucket] = []
        for k in 0..<count {
            let c = Case(mode: .bits64, bytes: [0x90, UInt8(k & 0xFF), UInt8(k >> 8)])
            var answers = ["project": checker.project.decode(c.bytes, mode: .bits64, vendor: .intel, address: 0)]
            answers["bad"] = answers["project"]!
            answers["bad"]!.length = 2
            let f = Finding(
                case: c, signature: Signature(kind: "decode", oracles: k % 3 == 0 ? "project:zydis" : "project:capstone", map: "legacy",
                                              opcode: String(format: "%02x", k & 0xFF), field: k % 2 == 0 ? "length" : "operand.base<&>"),
                field: "length", values: ["project": "1", "bad": "2"], fields: [FieldDifference(field: "length", left: "1", right: "2")],
                severity: k % 2 == 0 ? .control : .operand, blame: "bad", knownBug: nil, answers: answers)
            var b = Bucket(first: f, index: UInt64(k))
            b.count = perBucket
            out.append(b)
        }
        return out
    }

    static func run() -> CampaignReport.RunInfo {
        CampaignReport.RunInfo(
            date: "2024-01-01T00:00:00Z", source: "campaign", seed: 1, generators: ["random"], oracles: ["project": "0.1.0"],
            cpu: CPUInfo(vendor: "test"), mode: 64, vendor: "intel", jobs: 1, shard: "1/1", durationSeconds: 1, cases: 10, casesPerSecond: 10)
    }

    @Test func jsonRoundTripsAndRejectsUnknownVersions() throws {
        let dir = TestPaths.temporaryFolder("report")
        let r = CampaignReport(run: Self.run(), buckets: Self.buckets(5, perBucket: 2), status: { _ in "new" }, previous: nil, previousPath: nil)
        try r.write(to: dir)
        #expect(try CampaignReport.read(dir + "/report.json") == r)
        #expect(r.totals.findings == 10)
        #expect(r.totals.byPair["project:zydis"]?["control"] == 2, "buckets 0 and 3 are zydis; 0 is control, 3 operand")
        #expect(r.totals.byPair["project:zydis"]?["operand"] == 2)
        let text = try String(contentsOfFile: dir + "/report.json", encoding: .utf8)
        try text.replacingOccurrences(of: "\"schemaVersion\" : 1", with: "\"schemaVersion\" : 2").write(
            toFile: dir + "/future.json", atomically: true, encoding: .utf8)
        #expect(throws: CampaignReport.FormatError.self) { try CampaignReport.read(dir + "/future.json") }
    }

    @Test func newOpenAndFixedAgainstAPreviousReport() {
        let all = Self.buckets(6, perBucket: 1)
        let before = CampaignReport(run: Self.run(), buckets: Array(all[0..<4]), status: { _ in "new" }, previous: nil, previousPath: nil)
        let now = CampaignReport(run: Self.run(), buckets: Array(all[2..<6]), status: { _ in "new" }, previous: before, previousPath: "old.json")
        #expect(Set(now.buckets.filter { $0.status == "open" }.map(\.id)) == Set(all[2..<4].map(\.id)))
        #expect(Set(now.buckets.filter { $0.status == "new" }.map(\.id)) == Set(all[4..<6].map(\.id)))
        #expect(Set(now.fixed.map(\.id)) == Set(all[0..<2].map(\.id)))
        #expect(now.totals.newBuckets == 2 && now.totals.openBuckets == 2 && now.totals.fixedBuckets == 2)
    }

    @Test func htmlIsSelfContainedAndEscaped() {
        let r = CampaignReport(run: Self.run(), buckets: Self.buckets(3, perBucket: 1), status: { _ in "new" }, previous: nil, previousPath: nil)
        let html = HTMLReport.render(r)
        #expect(!html.contains("operand.base<&>"), "model text must be escaped")
        #expect(html.contains("\\u003c"), "embedded JSON must not contain a raw <")
        #expect(!html.contains("src=\"http"), "no external resources")
        #expect(!html.contains("href=\"http"), "no external resources")
        #expect(HTMLReport.escape("<a href='x'>&\"") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;")
    }
}

/// The report page in Debian's chromium (installed by Scripts/setup.sh): rendered headless
/// with 10,000 findings in 2,000 buckets, the DOM shows the expected counts, and a screenshot
/// is taken. Skips with a message only when no chromium is installed.
@Suite(.serialized) struct ReportBrowserTests {
    static var chromium: String? {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return nil
    }

    static func chromium(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium!)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--virtual-time-budget=1000"] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func pageRendersTenThousandFindingsInABrowser() throws {
        guard Self.chromium != nil else {
            print("ReportBrowserTests: SKIPPED, no chromium (Scripts/setup.sh installs Debian's chromium)")
            return
        }
        let dir = TestPaths.temporaryFolder("browser")
        let r = CampaignReport(run: ReportTests.run(), buckets: ReportTests.buckets(2000, perBucket: 5), status: { _ in "new" },
                               previous: nil, previousPath: nil)
        #expect(r.totals.findings == 10_000)
        try r.write(to: dir)
        let start = Date()
        let dom = try Self.chromium(["--dump-dom", "file://" + dir + "/report.html"])
        let seconds = Date().timeIntervalSince(start)
        #expect(dom.contains("data-rendered-buckets=\"2000\""), "the bucket table was not drawn: \(dom.prefix(300))")
        #expect(dom.contains("data-rendered-rows=\"500\""), "the first page shows 500 rows")
        #expect(dom.contains("<span id=\"total-findings\">10000</span>"))
        #expect(dom.contains("<span id=\"total-buckets\">2000</span>"))
        #expect(dom.contains("showing 500 of 2000 buckets"))
        #expect(seconds < 30, "rendering took \(seconds) s")
        _ = try Self.chromium(["--screenshot=" + dir + "/report.png", "--window-size=1400,1000", "file://" + dir + "/report.html"])
        let png = try #require(FileManager.default.contents(atPath: dir + "/report.png"), "no screenshot written")
        #expect(png.count > 10_000, "screenshot of \(png.count) bytes")
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }
}
