import Foundation
import Testing
import X86Decoder
import X86OpcodeMap

/// The committed tables are exactly what the generator makes from the map.
@Suite struct GeneratedTablesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func mapFiles() throws -> [(name: String, text: String)] {
        let dir = root.appendingPathComponent("Sources/X86Decoder/OpcodeMap")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".opmap") }.sorted()
        return try names.map { ($0, try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)) }
    }

    @Test func mapParsesWithoutErrors() throws {
        let (_, _, errors) = OpcodeMapSource(files: try Self.mapFiles()).build()
        #expect(errors.isEmpty, "\(errors.prefix(20).map(\.description).joined(separator: "\n"))")
    }

    @Test func committedTablesMatchTheMap() throws {
        let (lines, tables, errors) = OpcodeMapSource(files: try Self.mapFiles()).build()
        try #require(errors.isEmpty)
        let expected = TableEmitter.render(try #require(tables), lineCount: lines.count)
        let committed = try String(contentsOf: Self.root.appendingPathComponent("Sources/X86Decoder/Generated/OpcodeTables.swift"), encoding: .utf8)
        #expect(committed == expected, "OpcodeTables.swift is stale: run `swift run difftest-gen-tables`")
    }

    /// The fuzzers' dictionary is what `fuzz-tool dict` makes from the map (the fuzz build
    /// checks it too, but `swift test` is what CI runs).
    @Test func fuzzDictionaryMatchesTheMap() throws {
        var parser = MapParser()
        for (name, text) in try Self.mapFiles() { parser.parse(text, file: name) }
        try #require(parser.errors.isEmpty)
        let committed = try String(contentsOf: Self.root.appendingPathComponent("Corpus/fuzz/x86.dict"), encoding: .utf8)
        let expected = FuzzDictionary.render(lines: parser.lines)
        let stale = committed != expected
        let a = committed.split(separator: "\n", omittingEmptySubsequences: false)
        let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        #expect(!stale, """
            Corpus/fuzz/x86.dict is stale (first difference at line \(k + 1): \(k < a.count ? String(a[k]) : "end of file") \
            instead of \(k < b.count ? String(b[k]) : "end of file")): FUZZ_UPDATE_DICT=1 Scripts/fuzz-build.sh fuzz
            """)
    }

    @Test func runtimeTablesAreTheGeneratedOnes() throws {
        let (_, tables, _) = OpcodeMapSource(files: try Self.mapFiles()).build()
        let t = try #require(tables)
        #expect(DecoderTables.shared.nodeCount == t.nodes.count)
        #expect(DecoderTables.shared.formCount == t.forms.count)
        #expect(DecoderTables.shared.mnemonics == t.mnemonics)
    }
}

/// The parser reports map errors with their line.
@Suite struct MapParserTests {
    func errors(_ text: String) -> [String] {
        OpcodeMapSource(files: [("t.opmap", text)]).build().errors.map(\.description)
    }

    @Test func unknownSelectorNamesTheLine() {
        #expect(errors("[map legacy]\n00 /q : add Eb,Gb\n") == ["t.opmap:2: unknown selector '/q'"])
    }

    @Test func unknownOperand() {
        #expect(errors("[map legacy]\n00 : add Eb,Gq7\n").first?.contains("unknown operand 'Gq7'") == true)
    }

    @Test func ambiguityNamesBothLines() {
        let e = errors("[map legacy]\n00 /r : add Eb,Gb\n00 mem : sub Eb,Gb\n00 reg : or Eb,Gb\n00 /1 : and Eb,Gb\n00 mem : adc Eb,Gb\n")
        #expect(e.count == 1 && e[0].contains("t.opmap:3") && e[0].contains("t.opmap:6"))
    }

    @Test func mostSpecificLineWins() throws {
        let (_, tables, errors) = OpcodeMapSource(files: [("t.opmap", "[map legacy]\n90 rexb0 : nop\n90 p=f3 rexb0 : pause\n90+r : xchg Zv,rAX\n")]).build()
        #expect(errors.isEmpty)
        #expect(try #require(tables).mnemonics.sorted() == ["(invalid)", "nop", "pause", "xchg"])
    }

    @Test func lineBeforeHeader() {
        #expect(errors("00 : add Eb,Gb\n").first?.contains("before any [map NAME] header") == true)
    }

    @Test func memoryOperandOnRegisterLine() {
        #expect(errors("[map 0f]\n01 reg : lgdt Ms\n").first?.contains("memory-only operand") == true)
    }
}
