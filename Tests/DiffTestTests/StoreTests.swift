import Foundation
import Testing
import X86Decoder

@testable import DiffTest

/// The corpus store: atomic files, content-addressed names, schema versions, replay.
@Suite struct StoreTests {
    func bucket(_ hex: String, checker: DecodeChecker) throws -> Bucket {
        let f = try #require(checker.check(Case(mode: .bits64, bytes: try Hex.parse(hex)), withAnswers: true).first)
        return Bucket(first: f, index: 0)
    }

    @Test func atomicWritesLeaveNoTemporaries() throws {
        let dir = TestPaths.temporaryFolder("atomic")
        try AtomicFile.writeJSON(["a": 1], to: dir + "/x.json")
        try AtomicFile.writeJSON(["a": 2], to: dir + "/x.json")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["x.json"])
        #expect(FileManager.default.createFile(atPath: dir + "/.x.json.tmp-1-1", contents: Data("{".utf8)))
        AtomicFile.removeStaleTemporaries(under: dir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["x.json"])
    }

    @Test func caseFilesRoundTripAndRejectUnknownVersions() throws {
        let c = Case(mode: .bits32, vendor: .amd, bytes: [0x0F, 0xFF], origin: .init(generator: "random", seed: 1, index: 2))
        let data = try AtomicFile.encoder.encode(c)
        #expect(try JSONDecoder().decode(Case.self, from: data) == c)
        #expect(c.id == Case(mode: .bits32, vendor: .amd, bytes: [0x0F, 0xFF]).id, "the origin is not part of the content address")
        #expect(c.id != Case(mode: .bits64, vendor: .amd, bytes: [0x0F, 0xFF]).id)
        let future = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"schemaVersion\" : 1", with: "\"schemaVersion\" : 99")
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Case.self, from: Data(future.utf8)) }
    }

    @Test func recordsBucketsWithTheirFindings() throws {
        let root = TestPaths.temporaryFolder("record")
        let store = CorpusStore(root: root)
        let checker = DecodeChecker(others: [PlantedBugOracle(name: "bad", opcode: 0x90)])
        var b = try bucket("90", checker: checker)
        b.original = try bucket("669090", checker: checker).exemplar
        #expect(try store.record(b, date: "2024-01-01T00:00:00Z") == .created)
        #expect(try store.record(b, date: "2024-01-02T00:00:00Z") == .existing)
        let stored = try store.buckets()
        #expect(stored.count == 1)
        #expect(stored[0].file.count == 2)
        #expect(stored[0].file.firstSeen == "2024-01-01T00:00:00Z")
        #expect(stored[0].file.lastSeen == "2024-01-02T00:00:00Z")
        #expect(stored[0].exemplar?.case.hex == "90")
        #expect(Set(stored[0].findings.map(\.case.hex)) == ["90", "669090"])
        #expect(FileManager.default.fileExists(atPath: stored[0].directory + "/" + b.exemplar.case.id + ".json"))
        #expect(try store.pool().count == 2)
    }

    @Test func replaySaysWhatIsFixedAndWhatDivergesAgain() throws {
        let root = TestPaths.temporaryFolder("replay")
        let store = CorpusStore(root: root)
        let buggy = DecodeChecker(others: [PlantedBugOracle(name: "bad", opcode: 0x90)])
        let fixed = DecodeChecker(others: [PlantedBugOracle(name: "bad", opcode: nil)])
        try store.record(try bucket("90", checker: buggy), date: "d0")

        var outcomes = try CorpusReplay(store: store, checker: buggy).run(date: "d1")
        #expect(outcomes.map(\.verdict) == [.stillDiverges])
        outcomes = try CorpusReplay(store: store, checker: fixed).run(date: "d2")
        #expect(outcomes.map(\.verdict) == [.fixedNow])
        #expect(try store.buckets()[0].file.status == "fixed")
        #expect(try store.buckets()[0].file.fixedOn == "d2")
        outcomes = try CorpusReplay(store: store, checker: fixed).run(date: "d3")
        #expect(outcomes.map(\.verdict) == [.fixed])
        outcomes = try CorpusReplay(store: store, checker: buggy).run(date: "d4", dryRun: true)
        #expect(outcomes.map(\.verdict) == [.regression])
        #expect(try store.buckets()[0].file.status == "fixed", "dry run writes nothing")
        outcomes = try CorpusReplay(store: store, checker: buggy).run(date: "d4")
        #expect(try store.buckets()[0].file.status == "open")
    }

    @Test func aCampaignReopensAFixedBucket() throws {
        let root = TestPaths.temporaryFolder("reopen")
        let store = CorpusStore(root: root)
        let buggy = DecodeChecker(others: [PlantedBugOracle(name: "bad", opcode: 0x90)])
        let b = try bucket("90", checker: buggy)
        try store.record(b, date: "d0")
        var file = try store.buckets()[0].file
        file.status = "fixed"
        try store.writeBucketFile(file, directory: store.directory(for: b.signature))
        #expect(try store.record(b, date: "d1") == .reopened)
    }
}

/// A campaign killed with SIGKILL at any moment leaves every corpus file valid and has stored
/// every bucket it printed. Runs the real `difftest fuzz` in a child process.
@Suite(.serialized) struct StoreKillTests {
    @Test func killDashNineDuringACampaignLosesNothingPrinted() throws {
        guard let tool = TestPaths.difftestExecutable else {
            Issue.record("difftest executable not found next to the tests; run `swift build` first")
            return
        }
        for round in 0..<3 {
            let root = TestPaths.temporaryFolder("kill\(round)")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = ["fuzz", "--seconds", "120", "--seed", "\(31 + round)", "--jobs", "2", "--corpus", root + "/corpus",
                           "--report", root + "/report", "--minimize-steps", "30"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            var text = ""
            let deadline = Date().addingTimeInterval(60)
            while text.components(separatedBy: "difftest repro").count <= 4 + 3 * round && Date() < deadline {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            usleep(UInt32.random(in: 0...150_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationReason == .uncaughtSignal, "round \(round): the campaign should have been killed")

            let files = TestPaths.jsonFiles(under: root + "/corpus")
            #expect(!files.isEmpty)
            var stored = Set<String>()
            for path in files {
                let data = try #require(FileManager.default.contents(atPath: path), "round \(round): \(path) unreadable")
                if path.hasSuffix("/bucket.json") {
                    #expect(throws: Never.self, "round \(round): \(path)") { try JSONDecoder().decode(CorpusStore.BucketFile.self, from: data) }
                } else if path.contains("/tunnel/") {
                    #expect(throws: Never.self, "round \(round): \(path)") { try JSONDecoder().decode(TunnelGenerator.State.self, from: data) }
                } else {
                    let f = try JSONDecoder().decode(CorpusStore.FindingFile.self, from: data)
                    stored.insert(f.finding.case.hex)
                }
            }
            let printed = text.split(separator: "\n").filter { $0.contains("difftest repro") }.compactMap {
                $0.split(separator: " ").drop { $0 != "repro" }.dropFirst(5).first.map(String.init)
            }
            #expect(printed.count >= 4, "round \(round): too few findings printed before the kill:\n\(text)")
            for hex in printed { #expect(stored.contains(hex), "round \(round): printed exemplar \(hex) is not in the corpus") }
        }
    }
}

@Suite struct AtomicGroupTests {
    /// A group's files appear only at commit, complete; an uncommitted group leaves nothing.
    @Test func filesLandAtCommitOnly() throws {
        let root = TestPaths.temporaryFolder("group")
        let group = AtomicFile.Group(root: root)
        try group.write(Data("one\n".utf8), to: root + "/a/one.txt")
        try group.writeJSON(["k": 1], to: root + "/b/two.json")
        #expect(!FileManager.default.fileExists(atPath: root + "/a/one.txt"))
        #expect(group.exists(root + "/a/one.txt"))
        try group.commit()
        #expect(try String(contentsOfFile: root + "/a/one.txt", encoding: .utf8) == "one\n")
        #expect(FileManager.default.fileExists(atPath: root + "/b/two.json"))
        #expect(group.isEmpty)
        do {
            let dropped = AtomicFile.Group(root: root)
            try dropped.write(Data("x".utf8), to: root + "/a/three.txt")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: root + "/a")
        #expect(left == ["one.txt"], "\(left)")
    }
}

/// `fuzz --findings unexplained` lists exactly the unexplained lines of `--findings all`, in the
/// same order; the report counts every finding either way. Runs the real `difftest fuzz`.
@Suite struct FindingsLevelTests {
    func fuzz(_ tool: String, _ root: String, _ level: String) throws -> (lines: [String], report: [String: Any]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        // Capstone alone: without a second decoder to vote, some findings stay unexplained.
        p.arguments = ["fuzz", "--cases", "30000", "--seed", "5", "--jobs", "1", "--oracle", "capstone", "--corpus", root + "/corpus",
                       "--report", root + "/" + level, "--findings", level, "--quiet"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 || p.terminationStatus == 1)
        let text = try String(contentsOfFile: root + "/" + level + "/findings.jsonl", encoding: .utf8)
        let data = try #require(FileManager.default.contents(atPath: root + "/" + level + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (text.split(separator: "\n").map(String.init), report)
    }

    @Test func unexplainedListsOnlyTheUnexplainedLines() throws {
        guard let tool = TestPaths.difftestExecutable else {
            Issue.record("difftest executable not found next to the tests; run `swift build` first")
            return
        }
        let root = TestPaths.temporaryFolder("findings-level")
        let all = try fuzz(tool, root + "/a", "all")
        let unexplained = try fuzz(tool, root + "/u", "unexplained")
        let expected = all.lines.filter { !$0.contains("/known:") }
        #expect(!expected.isEmpty && expected.count < all.lines.count, "30000 Capstone-only cases should find both kinds")
        #expect(unexplained.lines == expected)
        let totals = { (r: [String: Any]) in (r["totals"] as? [String: Any])?["findings"] as? Int }
        #expect(totals(all.report) == all.lines.count)
        #expect(totals(unexplained.report) == all.lines.count, "the report counts every finding")
    }
}
