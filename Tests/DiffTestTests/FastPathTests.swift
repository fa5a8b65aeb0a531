import Testing
import X86Decoder

@testable import DiffTest

/// The campaign's shortcuts must give exactly the answers of the slow paths they skip.
@Suite struct FastPathTests {
    /// The campaign's cases of one seed: random, structured and mutated, 64/32/16-bit.
    static func cases(_ n: Int, mode: Mode) -> [Case] {
        let factory = CaseFactory(seed: 20261124, mode: mode, vendor: .intel, kinds: [.random, .structured])
        return (0..<UInt64(n)).compactMap { factory.make(at: $0) }
    }

    /// `ProjectOracle.agrees(result, with:)` is `answer(result) == theirs` for a valid result
    /// and "both invalid" for an invalid one, on real Capstone and Zydis answers; and it does
    /// say "agrees" for most cases (a shortcut that never fires would pass the first check).
    @Test(arguments: [Mode.bits64, .bits32, .bits16])
    func agreesIsExactlyEquality(mode: Mode) throws {
        let oracles: [DecodeOracle] = [try CapstoneOracle(), try ZydisOracle()]
        var agreed = 0
        var total = 0
        for c in Self.cases(4000, mode: mode) {
            let result = X86Decoder(mode: c.mode, vendor: c.vendor).decode(c.bytes, address: 0)
            let mine = ProjectOracle.answer(result)
            for o in oracles {
                let theirs = o.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
                let fast = ProjectOracle.agrees(result, with: theirs)
                let slow = result.instruction == nil ? !theirs.valid : mine == theirs
                #expect(fast == slow, "\(Hex.string(c.bytes)) \(o.name): fast \(fast), slow \(slow)")
                if fast { #expect(compare(mine, theirs).isEmpty, "\(Hex.string(c.bytes)) \(o.name)") }
                total += 1
                if fast { agreed += 1 }
            }
        }
        #expect(agreed * 2 > total, "the shortcut fired on \(agreed) of \(total)")
    }

    /// Capstone's raw comparison (CapstoneOracle+Agreement) says "agrees" only where its full
    /// answer equals the project's, returns exactly the full answer otherwise, and takes most
    /// agreeing cases (a comparison that always deferred would pass the first two checks).
    @Test(arguments: [Mode.bits64, .bits32, .bits16])
    func capstoneRawAgreementIsExact(mode: Mode) throws {
        let capstone = try CapstoneOracle()
        var shown = 0
        var equal = 0
        for c in Self.cases(6000, mode: mode) {
            let result = X86Decoder(mode: c.mode, vendor: c.vendor).decode(c.bytes, address: 0)
            let full = capstone.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
            let agrees = ProjectOracle.agrees(result, with: full)
            if agrees { equal += 1 }
            if let answer = capstone.decode(c.bytes, mode: c.mode, vendor: c.vendor, unlessAgreeingWith: result) {
                #expect(answer == full, "\(Hex.string(c.bytes))")
            } else {
                #expect(agrees, "\(Hex.string(c.bytes)): shown equal, but \(full) differs")
                shown += 1
            }
        }
        #expect(shown * 10 >= equal * 8, "the raw comparison took \(shown) of \(equal) agreeing cases")
    }

    /// The checker with its shortcut finds exactly what the full comparison finds.
    @Test func checkerMatchesFullComparison() throws {
        let checker = try DecodeChecker(oracleNames: ["capstone", "zydis"])
        var findings = 0
        for c in Self.cases(3000, mode: .bits64) {
            let fast = checker.check(c)
            let slow = checker.check(c, withAnswers: true).map { f -> Finding in
                var f = f
                f.answers = nil
                return f
            }
            #expect(fast == slow, "\(Hex.string(c.bytes))")
            findings += fast.count
        }
        #expect(findings > 0)
    }

    @Test func hexMatchesRadixFormatting() {
        var rng = SplitMix64(seed: 3)
        let values: [UInt64] = [0, 1, 0xF, 0x10, 0xFF, 0x8000_0000, .max, .max - 1] + (0..<2000).map { _ in rng.next() >> (rng.next() % 64) }
        for v in values {
            let expected = "0x" + String(v, radix: 16)
            #expect(Normalization.hex(v) == expected)
            #expect(ProjectOracle.isHex(expected, v))
            #expect(!ProjectOracle.isHex(expected, v &+ 1))
        }
        #expect(!ProjectOracle.isHex("0x01", 1))
        #expect(!ProjectOracle.isHex("0x", 0))
        #expect(!ProjectOracle.isHex("1", 1))
        #expect(!ProjectOracle.isHex("0xA", 10))
        #expect(!ProjectOracle.isHex("0x10000000000000000", 0))
    }

    @Test func registerNameTableMatchesRegisterName() {
        var c: UInt8 = 0
        while let cls = Register.Class(rawValue: c) {
            for n in 0..<32 {
                let r = Register(cls, UInt8(n))
                #expect(ProjectOracle.name(r) == r.name)
            }
            c += 1
        }
    }

    @Test func prefixScanKeepsEveryLegacyPrefixInOrder() {
        var rng = SplitMix64(seed: 9)
        let pool: [UInt8] = [0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0x66, 0x67, 0x48, 0x41, 0x90]
        for _ in 0..<3000 {
            let bytes = (0..<(1 + Int(rng.next() % 16))).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            let scan = PrefixScan(bytes, .bits64)
            var expected: [UInt8] = []
            for b in bytes.prefix(15) {
                if PrefixScan.legacyPrefixes.contains(b) { expected.append(b) } else if b & 0xF0 == 0x40 { continue } else { break }
            }
            #expect(Array(scan.legacy) == expected, "\(Hex.string(bytes))")
        }
    }

    /// `appendBytes` draws exactly what `bytes` draws.
    @Test func appendBytesMatchesBytes() {
        for count in 0..<20 {
            var a = SplitMix64(seed: UInt64(count))
            var b = a
            var out: [UInt8] = [1, 2]
            a.appendBytes(count, to: &out)
            #expect(out == [1, 2] + b.bytes(count))
            #expect(a.next() == b.next())
        }
    }

    /// findings.jsonl lines written by hand are JSONEncoder's bytes, for real findings and for
    /// strings that need escaping.
    @Test func findingLineMatchesJSONEncoder() throws {
        let checker = try DecodeChecker(oracleNames: ["capstone", "zydis"])
        var lines = 0
        for c in Self.cases(3000, mode: .bits64) {
            for f in checker.check(c) {
                var out: [UInt8] = []
                FindingLine.append(f, to: &out)
                #expect(String(decoding: out, as: UTF8.self) == FindingLine.reference(f) + "\n")
                lines += 1
            }
        }
        #expect(lines > 50)
        let c = Case(mode: .bits64, bytes: [0x90])
        var f = Finding(
            case: c, signature: Signature(kind: "decode", oracles: "project:x", map: "legacy", opcode: "90", field: "mnemonic"),
            field: "mnemonic", values: ["project": "a\"b\\c/d\u{1}\u{1F}\t\n\r\u{8}\u{C}é✓", "x": ""], fields: [],
            severity: .display, blame: "x", knownBug: nil)
        var out: [UInt8] = []
        FindingLine.append(f, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == FindingLine.reference(f) + "\n")
        f.blame = nil
        out = []
        FindingLine.append(f, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == FindingLine.reference(f) + "\n")
    }

    /// The one-byte guards in front of Normalization's name sets hold for every name in them.
    @Test func normalizationGuardsCoverTheirSets() {
        for name in Normalization.addressOnly { #expect(name.hasPrefix("l") || name.hasPrefix("b"), "\(name)") }
        for name in Normalization.xsaveFamily { #expect(name.hasPrefix("x"), "\(name)") }
        for family in Normalization.compareFamilies { #expect(family.prefix.hasPrefix("c") || family.prefix.hasPrefix("v")) }
    }
}
