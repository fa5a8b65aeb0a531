import Testing
import X86Decoder

@testable import DiffTest

extension OracleTests {
    /// Capstone 4.0.2's reading of the legacy prefixes (KnownOracleBugs+PrefixOrder.swift) and
    /// the entries found by the fuzz-differential triage (KnownOracleBugs+Differential.swift).
    @Suite struct PrefixOrder {
        /// Bytes, mode, the prefix Capstone takes as mandatory (nil: none) and the one the CPU
        /// takes, measured with `difftest decode --oracle capstone` (see the file's comment).
        static let readings: [(hex: String, mode: Mode, capstone: UInt8?, cpu: UInt8?)] = [
            ("f2660f10c0", .bits64, 0x66, 0xF2), ("66f20f10c0", .bits64, 0xF2, 0xF2), ("662e0f58c0", .bits64, nil, 0x66),
            ("f3670f10c0", .bits64, nil, 0xF3), ("f3674a0f10c0", .bits64, 0x66, 0xF3), ("664c4c0fd0c0", .bits64, nil, 0x66),
            ("664c0fd0c0", .bits64, 0x66, 0x66), ("660f58c0", .bits16, nil, 0x66), ("f32e90", .bits64, nil, 0xF3),
            ("4a66f30f10c0", .bits64, 0xF3, 0xF3),
        ]

        @Test(arguments: readings.indices) func capstoneMandatoryPrefix(_ i: Int) throws {
            let r = Self.readings[i]
            let p = PrefixScan(try Hex.parse(r.hex), r.mode)
            #expect(p.capstoneMandatory == r.capstone, "\(r.hex): Capstone's mandatory prefix")
            #expect(p.mandatory == r.cpu, "\(r.hex): the CPU's mandatory prefix")
        }

        /// The twin really is how Capstone reads the bytes: Capstone gives the bytes and one of
        /// their twins the same answer (the length shifted by the prefixes dropped or added).
        static let twinCases: [(hex: String, mode: Mode)] = [
            ("f2660f10c0", .bits64), ("662e0f58c0", .bits64), ("f3670f10c0", .bits64), ("f3674a0f10c0", .bits64),
            ("664c4c0fd0c0", .bits64), ("67480f3a16243a10", .bits64), ("f367642e674a0f70b8e1c4cc7bf08d", .bits64),
            ("4766f2676764660f78e22e0f3803", .bits64), ("66f30f10c0", .bits16), ("f066f20f78e2", .bits16),
            ("f36667642e0fbc6a94a1c48d", .bits64), ("f32e90", .bits64),
        ]

        @Test(arguments: twinCases.indices) func capstoneReadsTheTwin(_ i: Int) throws {
            let c = Self.twinCases[i]
            let bytes = try Hex.parse(c.hex)
            let capstone = try CapstoneOracle()
            let answer = capstone.decode(bytes, mode: c.mode, vendor: .intel, address: 0)
            let twins = PrefixScan(bytes, c.mode).capstoneTwins
            let same = twins.contains { t in
                var a = capstone.decode(t, mode: c.mode, vendor: .intel, address: 0)
                a.length = a.length.map { $0 + bytes.count - t.count }
                return compare(a, answer).isEmpty
            }
            #expect(same, "\(c.hex): Capstone reads none of \(twins.map { Hex.string($0) }) as it reads the bytes")
        }

        /// Shapes from Corpus/fuzz/differential-buckets.tsv: the entry named explains the
        /// difference in `field`.
        static let shapes: [(id: String, c: KnownOracleBug.Case, field: String)] = [
            ("capstone-mandatory-prefix-position", .init("f367642e674a0f70b8e1c4cc7bf08d", .bits64), "mnemonic"),
            ("capstone-mandatory-prefix-position", .init("f367674c0ff7ffffffff4c4c60de25", .bits64), "valid"),
            ("capstone-mandatory-prefix-position", .init("4766f2676764660f78e22e0f3803", .bits64, .amd), "operand.kind"),
            ("capstone-mandatory-prefix-position", .init("67f3f2f266640f7d62f3660f3808f7", .bits64, .amd), "valid"),
            ("capstone-mandatory-prefix-position", .init("6767480f3a16243a1062f37d084200", .bits64, .amd), "valid"),
            ("capstone-mandatory-prefix-position", .init("3666f2f3674a480f38f64a4835cc98", .bits64, .amd), "valid"),
            ("capstone-mandatory-prefix-position", .init("674c0f03cd0a06", .bits64), "operand.register"),
            ("capstone-66-not-last-prefix", .init("66414197f0f0a37bf74332", .bits64, .amd), "operand.register"),
            ("capstone-66-not-last-prefix", .init("67664444444444999263f500", .bits64, .amd), "mnemonic"),
            ("capstone-66-not-last-prefix", .init("67674042e3fc16f086b17e", .bits64), "mnemonic"),
            ("capstone-66-not-last-prefix", .init("656565656665656565f3f381d83f0f", .bits32, .amd), "operand.size"),
            ("capstone-66-call-after-prefix", .init("64664347e80f702e9876163c0d00", .bits64, .amd), "length"),
            ("capstone-pause-rex-w", .init("67f3489010660f", .bits64), "mnemonic"),
            ("zydis-pause-with-rex-b", .init("6766f34790f5f5f5f5f5f590f51313", .bits64), "mnemonic"),
            ("capstone-nop-memory-size", .init("674c4c66664c676744490f1a3f", .bits64, .amd), "operand.size"),
            ("capstone-nop-memory-size", .init("65490f1b0fbb5c409b650f6265", .bits64, .amd), "operand.size"),
            ("capstone-xop-a-imm32-16bit", .init("8fea78106f6e6565", .bits16), "valid"),
            ("capstone-gather-same-registers", .init("62f2fd4a920c08", .bits64), "valid"),
            ("capstone-66-push-imm-size", .init("4a2e2e66642e2e49680f1949ff2e79", .bits64, .amd), "operand.value"),
            ("capstone-evex-67-ignored", .init("2e6762b27d084f00000000b6", .bits64), "operand.base"),
            ("capstone-evex-scalar-ll-w1", .init("62f2fd28afafaf5a62f2fd0c42e2", .bits64, .amd), "mnemonic"),
            ("capstone-evex-w1-vector-length", .init("62f2fd2838fd625af20c42e2", .bits64, .amd), "operand.register"),
            ("capstone-evex-partial-memory-size", .init("262662f27d4832286666c4e1", .bits64), "operand.size"),
            ("capstone-vpmovm2-operands-swapped", .init("2e62f27e0828fd086e663e56290f0f", .bits16, .amd), "operand.register"),
            ("capstone-evex-vsib-index-as-gpr", .init("62f2fd49a374994a679bb83b", .bits32, .amd), "operand.index"),
            ("capstone-vex-w1-outside-64bit", .init("62e17e0879660f0000", .bits32), "operand.register"),
            ("capstone-evex-x-in-register-operand", .init("62b126087bc8", .bits64, .amd), "operand.register"),
            ("capstone-evex-rounding-length", .init("62f1df1058ce182e2e62", .bits64, .amd), "length"),
            ("capstone-evex-ll-ignored", .init("62f3fd28212ed6d60c2d", .bits64), "valid"),
            ("capstone-vex-unused-vvvv", .init("8fe938c28cbdad27", .bits16), "valid"),
            ("capstone-vex-unused-vvvv", .init("62f1be086ffbf3fbf3f3", .bits32), "valid"),
            ("capstone-vex-unused-vvvv", .init("c4e2b9785358d3531092", .bits16), "valid"),
            ("capstone-vex-unused-vvvv", .init("c4e3b91600ce", .bits32), "valid"),
            // With EVEX.b on a register form Capstone's length is one more (capstone-evex-rounding-length).
            ("capstone-vex-unused-vvvv", .init("62f1bf58e6e50000", .bits32), "valid"),
            ("capstone-vex-unused-vvvv", .init("62f13d585bfde95f10c1", .bits32), "valid"),
            ("capstone-vex-unused-vvvv", .init("3e62f13f587ae2e492e3", .bits16), "valid"),
            ("capstone-vex-unused-vvvv", .init("62f13d585bfa210b8a83", .bits16), "valid"),
            // {sae} only: the same length as the project's twin.
            ("capstone-vex-unused-vvvv", .init("62f2bd5ec8dc", .bits32, .amd), "valid"),
            ("capstone-vex-unused-vvvv", .init("62f23d58ccddff9e0c", .bits16, .amd), "valid"),
            ("capstone-vex-unused-vvvv", .init("62f23d58caec", .bits32), "valid"),
            ("capstone-evex-x-rip-relative", .init("676201fd28fd545555555555", .bits64), "length"),
            ("capstone-evex-vsib-index-as-gpr", .init("62f27d4ca32c62f27d4ca3080fff", .bits64, .amd), "operand.index"),
            ("capstone-evex-scalar-ll-w1", .init("6762f1ff282af20f2b253d", .bits64, .amd), "operand.register"),
            ("capstone-mandatory-prefix-position", .init("646765656526266467480f3a160064", .bits64), "valid"),
            ("capstone-unknown-instructions", .init("2ef32e0f01fd6209ed0fe009f381d4", .bits64, .amd), "valid"),
            ("zydis-rmpquery-as-rdpru", .init("2ef32e0f01fd6209ed0fe009f381d4", .bits64, .amd), "mnemonic"),
            ("zydis-vmgexit-as-vmmcall", .init("f3670f01d9c9", .bits16), "mnemonic"),
            ("zydis-notrack-drops-ds-override", .init("2e2e2e3eff62252e2e2ef30f38", .bits16), "operand.segment"),
            ("capstone-67-rex-w-as-66", .init("66486748e88f78cc000000", .bits64, .amd), "length"),
            ("capstone-evex-x-rip-relative", .init("672662b1fd0f282560", .bits64), "valid"),
            ("capstone-vpmovm2-operands-swapped", .init("62b27e0828d0", .bits64), "operand.register"),
            ("zydis-rmpquery-as-rdpru", .init("f2f2f2676526480f01fd8f", .bits64, .amd), "mnemonic"),
            ("capstone-erets-eretu-as-clac", .init("66f20f01cadf", .bits64), "mnemonic"),
            ("capstone-mov-sreg-source-32bit", .init("4a8ec4", .bits64), "operand.register"),
            ("capstone-67-rex-w-as-66", .init("3ef3454545454545666748e8e8250f", .bits64, .amd), "valid"),
            ("capstone-xop-a-imm32-16bit", .init("67262667262626268fea781010260f", .bits16, .amd), "valid"),
            ("capstone-evex-gpr-r-prime", .init("6221fe0879f3f2", .bits64), "valid"),
            ("capstone-gather-same-registers", .init("62e2fd4a920c0f", .bits32, .amd), "valid"),
            ("capstone-vex-unused-vvvv", .init("3662e1bd287e24f8", .bits32, .amd), "valid"),
            ("capstone-evex-x-rip-relative", .init("65672e62b1fd286e2d0f00", .bits64, .amd), "valid"),
            ("capstone-evex-x-rip-relative", .init("4c4c4c264c6762a1fc2e2805", .bits64), "valid"),
            ("zydis-67-rex-b-sib-no-base", .init("676291fd286404fd286404e9e900", .bits64, .amd), "operand.base"),
            ("capstone-evex-other-pp-form", .init("62e1fd481264656464", .bits16), "valid"),
            ("capstone-evex-other-pp-form", .init("6562f1bd4812f8", .bits16, .amd), "valid"),
            ("capstone-evex-x-rip-relative", .init("6762b1fd48120526fd21c6", .bits64, .amd), "valid"),
            ("capstone-66-not-last-prefix", .init("266636672ef269345dc4e1346df300", .bits64), "operand.size"),
            ("zydis-67-rex-b-sib-no-base", .init("65f267410f7d2ce54a4f32e823", .bits64, .amd), "operand.base"),
        ]

        @Test(arguments: shapes.indices) func entryExplainsShape(_ i: Int) throws {
            let (id, c, field) = Self.shapes[i]
            let bug = try #require(KnownOracleBugs.all.first { $0.id == id }, "no entry \(id)")
            let (bytes, answers) = try KnownBugs.answers(c)
            let fields = KnownBugs.projectDifferences(answers, oracle: bug.oracle).filter { $0.fieldKind == field }
            #expect(!fields.isEmpty, "\(id) \(c): no difference in \(field)")
            for d in fields {
                let found = knownBug(oracle: bug.oracle, bytes: bytes, mode: c.mode, vendor: c.vendor, answers: answers, field: d.field)
                #expect(found?.id == id, "\(id) \(c): \(d) explained by \(found?.id ?? "nothing")")
            }
        }

        /// The NOTRACK entry is about near indirect branches only: a Zydis answer that drops the
        /// DS override of a MOV (made up here; Zydis keeps it) is not explained.
        @Test func notrackEntryIsOnlyAboutBranches() throws {
            let c = KnownOracleBug.Case("3e8b636d", .bits16)
            var (bytes, answers) = try KnownBugs.answers(c)
            #expect(answers["zydis"]?.operands.last?.segment == "ds")
            answers["zydis"]?.operands[1].segment = "ss"
            for d in KnownBugs.projectDifferences(answers, oracle: "zydis") {
                #expect(knownBug(oracle: "zydis", bytes: bytes, mode: c.mode, vendor: c.vendor, answers: answers, field: d.field) == nil, "\(d)")
            }
        }
    }
}
