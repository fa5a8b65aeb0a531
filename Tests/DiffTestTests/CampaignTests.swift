import Foundation
import Testing
import X86Decoder

@testable import DiffTest

/// Campaigns: findings and buckets do not depend on --jobs, shards split the case space,
/// blame by vote, severity and signatures. Planted-bug oracles keep the expectations
/// independent of which real oracle bugs are registered.
@Suite struct CampaignTests {
    static func findingsLog(_ config: CampaignConfig) throws -> [String] {
        let campaign = try Campaign(config: config)
        var lines: [String] = []
        campaign.onFinding = { f, _ in lines.append(JSONLine.encode(f)) }
        _ = campaign.run()
        return lines
    }

    /// `bench campaign` measures the subjects under their names (capstone-alone is
    /// cs_disasm with detail, faster than the normalized path) and accepts the older name.
    @Test func benchmarkSubjects() throws {
        let bench = CampaignBenchmark(seed: 3, cases: 3000)
        let all = try bench.run()
        #expect(all.map(\.subject) == ["capstone-alone", "capstone-normalized", "campaign-jobs1", "campaign-jobs2"])
        #expect(all.allSatisfy { $0.casesPerSecond > 0 })
        let rate = { (name: String) in all.first { $0.subject == name }?.cpuCasesPerSecond ?? 0 }
        #expect(rate("capstone-alone") > rate("capstone-normalized"))
        #expect(try bench.run(subjects: ["capstone-raw"]).map(\.subject) == ["capstone-alone"])
    }

    /// The parts of a case run only when named, in their fixed order, and the ceiling
    /// subject (both decoders, nothing compared) is slower than Capstone alone.
    @Test func benchmarkPartSubjects() throws {
        let bench = CampaignBenchmark(seed: 3, cases: 20000)
        #expect(!(try bench.run()).contains { CampaignBenchmark.extraSubjects.contains($0.subject) })
        let parts = try bench.run(subjects: ["check", "capstone-alone", "both-decoders", "generate", "project-decode", "capstone-compare"])
        #expect(parts.map(\.subject) == ["capstone-alone", "project-decode", "both-decoders", "capstone-compare", "check", "generate"])
        #expect(parts.allSatisfy { $0.casesPerSecond > 0 && ($0.cpuCasesPerSecond ?? 0) > 0 })
        let rate = { (name: String) in parts.first { $0.subject == name }?.cpuCasesPerSecond ?? 0 }
        #expect(rate("both-decoders") < rate("capstone-alone"))
        #expect(CampaignBenchmark.subject(named: "nonsense") == nil)
    }

    @Test func findingsAreTheSameForAnyNumberOfJobs() throws {
        var config = CampaignConfig(seed: 77, oracles: ["capstone", "zydis"], cases: 3000, minimizeSteps: 20, batchSize: 512)
        config.jobs = 1
        let one = try Self.findingsLog(config)
        config.jobs = 3
        let three = try Self.findingsLog(config)
        #expect(!one.isEmpty, "3000 cases against Capstone and Zydis should find something")
        #expect(one == three)
    }

    @Test func shardsAreDisjointAndCoverTheSeed() {
        let whole = CampaignConfig(seed: 1)
        var a = whole
        a.shard = 1
        a.shards = 2
        var b = whole
        b.shard = 2
        b.shards = 2
        let left = Set((0..<100).map { a.index(ofCase: UInt64($0)) })
        let right = Set((0..<100).map { b.index(ofCase: UInt64($0)) })
        #expect(left.isDisjoint(with: right))
        #expect(left.union(right) == Set((0..<200).map { whole.index(ofCase: UInt64($0)) }))
    }

    @Test func blameByVote() {
        let c = Case(mode: .bits64, bytes: [0x90])
        // One oracle against two that agree with the project: that oracle is blamed.
        let wrongOther = DecodeChecker(others: [PlantedBugOracle(name: "bad", opcode: 0x90), PlantedBugOracle(name: "good", opcode: nil)])
        let f = wrongOther.check(c)
        #expect(f.count == 1)
        #expect(f.first?.blame == "bad")
        #expect(f.first?.signature.text == "decode/project:bad/legacy/90/length")
        #expect(f.first?.severity == .control)
        #expect(f.first?.explained == false)
        // Two oracles agree against the project: the project is blamed in both findings.
        let wrongProject = DecodeChecker(others: [PlantedBugOracle(name: "a", opcode: 0x90), PlantedBugOracle(name: "b", opcode: 0x90)])
        let g = wrongProject.check(c)
        #expect(g.map(\.blame) == ["project", "project"])
        // With one other oracle there is no vote.
        #expect(DecodeChecker(others: [PlantedBugOracle(name: "a", opcode: 0x90)]).check(c).first?.blame == nil)
    }

    @Test func severityOrdersFields() {
        #expect(Severity.of(field: "length") == .control)
        #expect(Severity.of(field: "valid") == .control)
        #expect(Severity.of(field: "operand[0].target") == .control)
        #expect(Severity.of(field: "operand[1].base") == .operand)
        #expect(Severity.of(field: "mnemonic") == .display)
        #expect(Severity.of(field: "register.rax") == .operand)
        #expect(Severity.of(field: "exception") == .control)
        #expect(Severity.control > Severity.operand && Severity.operand > Severity.display)
    }

    @Test func knownOracleBugsGetTheirOwnBuckets() throws {
        // capstone-mov-to-cs: Capstone accepts `8e 0a` (mov cs, [rdx]).
        let checker = try DecodeChecker(oracleNames: ["capstone", "zydis"])
        let f = checker.check(Case(mode: .bits64, bytes: [0x8E, 0x0A]))
        let capstone = try #require(f.first { $0.signature.oracles == "project:capstone" })
        #expect(capstone.explained)
        #expect(capstone.signature.text.contains("/known:"))
    }

    @Test func bucketsKeepTheSmallestExemplarAndCounts() {
        let checker = DecodeChecker(others: [PlantedBugOracle(name: "bad", opcode: 0x90)])
        var table = BucketTable()
        for (i, hex) in ["669090", "90", "f39090"].enumerated() {
            for f in checker.check(Case(mode: .bits64, bytes: try! Hex.parse(hex))) { table.add(f, index: UInt64(i)) }
        }
        #expect(table.count == 1)
        let b = table.buckets[0]
        #expect(b.count == 3)
        #expect(b.exemplar.case.hex == "90")
        #expect(b.firstIndex == 0 && b.lastIndex == 2)
    }

    @Test func campaignReportsNewUnexplainedBuckets() throws {
        var config = CampaignConfig(seed: 5, generators: [.mutate], oracles: [], cases: 200, minimizeSteps: 50)
        config.jobs = 2
        let campaign = try Campaign(config: config)
        let result = campaign.run()
        #expect(result.cases == 200)
        #expect(result.findings == 0, "the project compared with itself finds nothing")
        #expect(result.newUnexplained.isEmpty)
    }
}

/// The minimizer keeps the signature, only shrinks, is deterministic and bounded.
@Suite struct MinimizerTests {
    let checker = DecodeChecker(others: [PlantedBugOracle(name: "bad", opcode: 0x81), PlantedBugOracle(name: "good", opcode: nil)])

    @Test func dropsPrefixesTrailingBytesAndZeroesFields() throws {
        // lock add dword [rax+rbx*4+0x12345678], 0x11223344, with segment prefixes and trailing bytes.
        let c = Case(mode: .bits64, bytes: try Hex.parse("2e 3e 81 84 98 78 56 34 12 44 33 22 11 cc dd"))
        let f = try #require(checker.check(c).first)
        let r = try #require(Minimizer(checker: checker).minimize(c, signature: f.signature))
        #expect(r.case.hex == "810000000000", "got \(r.case.hex)")
        #expect(r.finding.signature == f.signature)
        #expect(r.finding.minimizedFrom == c.id)
        let again = try #require(Minimizer(checker: checker).minimize(c, signature: f.signature))
        #expect(again.case == r.case, "deterministic")
    }

    @Test func isBoundedInSteps() throws {
        let c = Case(mode: .bits64, bytes: try Hex.parse("2e 3e 81 84 98 78 56 34 12 44 33 22 11 cc dd"))
        let f = try #require(checker.check(c).first)
        let r = try #require(Minimizer(checker: checker, maxSteps: 5).minimize(c, signature: f.signature))
        #expect(r.steps <= 5)
        #expect(r.finding.signature == f.signature)
    }

    @Test func returnsNilWhenTheSignatureDoesNotReproduce() {
        let other = Signature(kind: "decode", oracles: "project:bad", map: "legacy", opcode: "90", field: "length")
        #expect(Minimizer(checker: checker).minimize(Case(mode: .bits64, bytes: [0x81, 0xC0, 1, 0, 0, 0]), signature: other) == nil)
    }
}
