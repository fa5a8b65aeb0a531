import Testing
import X86Decoder

@testable import DiffTest

extension OracleTests {
    /// `compare` names exactly the fields that differ, and respects its two short-cuts.
    @Suite struct FieldComparison {
        static let movRaxMem = DecodeAnswer(
            valid: true, length: 4, mnemonic: "mov",
            operands: [.reg("rax", size: 8), OperandAnswer(kind: .memory, segment: "ds", base: "rbx", index: "rcx", scale: 4, displacement: 16, size: 8)])

        @Test func identicalAnswersHaveNoDifference() {
            #expect(compare(Self.movRaxMem, Self.movRaxMem).isEmpty)
            #expect(compare(.invalid("no instruction"), .invalid("decoding-error")).isEmpty)
        }

        @Test func invalidComparesOnlyValidity() {
            let d = compare(Self.movRaxMem, .invalid("bad-register"))
            #expect(d == [FieldDifference(field: "valid", left: "true", right: "false")])
        }

        @Test func differentLengthsCompareOnlyValidityAndLength() {
            var b = Self.movRaxMem
            b.length = 6
            b.mnemonic = "add"
            b.operands = []
            #expect(compare(Self.movRaxMem, b).map(\.field) == ["length"])
        }

        @Test func operandFieldsAreNamed() {
            var b = Self.movRaxMem
            b.mnemonic = "movq"
            b.operands[1].displacement = -16
            b.operands[1].segment = "ss"
            b.operands[0].register = "eax"
            b.operands[0].size = 4
            #expect(compare(Self.movRaxMem, b).map(\.field) == [
                "mnemonic", "operand[0].register", "operand[0].size", "operand[1].segment", "operand[1].displacement",
            ])
            let d = compare(Self.movRaxMem, b)[4]
            #expect(d.left == "16" && d.right == "-16" && d.fieldKind == "operand.displacement" && d.operandIndex == 1)
        }

        /// The x87 rule of `Normalization.finish` applies inside `compare`: the project's
        /// "fadd st0, st1" (map `fadd ST0,STi`) equals the oracles' collapsed "fadd st1".
        @Test func x87FormsCompareEqual() {
            let project = DecodeAnswer(valid: true, length: 2, mnemonic: "fadd", operands: [.reg("st0", size: 10), .reg("st1", size: 10)])
            let oracle = DecodeAnswer(valid: true, length: 2, mnemonic: "fadd", operands: [.reg("st1", size: 10)])
            #expect(compare(project, oracle).isEmpty)
        }

        @Test func operandCountAndKind() {
            var b = Self.movRaxMem
            b.operands = [OperandAnswer(kind: .immediate, size: 8, value: "0x1")]
            #expect(compare(Self.movRaxMem, b).map(\.field) == ["operands.count", "operand[0].kind"])
        }
    }

    /// The normalization rules, one example each (the oracle-level effect is in `operands`).
    @Suite struct NormalizationRules {
        @Test(arguments: [
            ("rep movsb", "capstone", "movsb"), ("lock add", "capstone", "add"), ("xacquire lock add", "capstone", "add"),
            ("bnd jmp", "capstone", "jmp"), ("notrack call", "capstone", "call"), ("movabs", "capstone", "mov"),
            ("ud2b", "capstone", "ud1"), ("retfq", "capstone", "retf"), ("fsetpm", "capstone", "fsetpm287_nop"), ("ljmp", "capstone", "jmp"), ("pushal", "capstone", "pushad"),
            ("shl", "capstone", "shl"), ("jnb", "zydis", "jae"), ("cmovnle", "zydis", "cmovg"), ("setz", "zydis", "sete"),
            ("fwait", "zydis", "wait"), ("xlat", "zydis", "xlatb"), ("jnb", "capstone", "jnb"), ("MOV", "project", "mov"),
        ]) func mnemonic(_ raw: String, _ oracle: String, _ expected: String) {
            #expect(Normalization.mnemonic(raw, oracle: oracle) == expected)
        }

        @Test func comparePredicates() {
            #expect(Normalization.unfoldComparePredicate("cmpltps") == "cmpps")
            #expect(Normalization.unfoldComparePredicate("vcmptrue_usps") == "vcmpps")
            #expect(Normalization.unfoldComparePredicate("vpcomgtub") == "vpcomub")
            #expect(Normalization.unfoldComparePredicate("cmpsd") == nil)
            #expect(Normalization.unfoldComparePredicate("cmpxchg") == nil)
        }

        @Test func registers() {
            #expect(Normalization.registerName("st(3)") == "st3")
            #expect(Normalization.registerName("XMM12") == "xmm12")
            let sizes: [(String, Int?)] = [
                ("rax", 8), ("r8d", 4), ("r8w", 2), ("r15b", 1), ("r9", 8), ("spl", 1), ("ah", 1), ("xmm31", 16), ("ymm3", 32),
                ("zmm0", 64), ("k7", 8), ("st7", 10), ("mm2", 8), ("cr8", 8), ("dr7", 8), ("gs", 2), ("tmm0", 1024), ("rip", 8),
                ("eflags", nil),
            ]
            for (name, size) in sizes { #expect(Normalization.registerSize(name) == size, "\(name)") }
        }

        @Test func segments() {
            #expect(Normalization.segment(reported: nil, base: "rbp", mode: .bits64) == "ss")
            #expect(Normalization.segment(reported: nil, base: "rip", mode: .bits64) == "ds")
            #expect(Normalization.segment(reported: "es", base: "rax", mode: .bits64) == "ds")
            #expect(Normalization.segment(reported: "cs", base: "rsp", mode: .bits64) == "ss")
            #expect(Normalization.segment(reported: "gs", base: "rbp", mode: .bits64) == "gs")
            #expect(Normalization.segment(reported: "es", base: "eax", mode: .bits32) == "es")
            #expect(Normalization.segment(reported: nil, base: "bp", mode: .bits16) == "ss")
        }

        @Test func immediatesAndDisplacements() {
            #expect(Normalization.immediate(UInt64(bitPattern: -1), size: 4).value == "0xffffffff")
            #expect(Normalization.immediate(0, size: 1).value == "0x0")
            #expect(Normalization.relative(0x1_0000_0005, mode: .bits32).target == "0x5")
            let m = Normalization.memory(segment: "ds", base: nil, index: "eiz", scale: 1, displacement: 0xFFFF_FFFF, addressBits: 32, size: 0)
            #expect(m.displacement == -1 && m.index == nil && m.size == nil && m.scale == 1)
        }

        @Test func x87OperandsCollapse() {
            var a = DecodeAnswer(valid: true, length: 2, mnemonic: "fadd", operands: [.reg("st0", size: 10), .reg("st1", size: 10)])
            Normalization.finish(&a)
            #expect(a.operands == [.reg("st1", size: 10)])
            var b = DecodeAnswer(valid: true, length: 2, mnemonic: "fadd", operands: [.reg("st0", size: 10), .reg("st0", size: 10)])
            Normalization.finish(&b)
            #expect(b.operands == [.reg("st0", size: 10)])
            var c = DecodeAnswer(valid: true, length: 3, mnemonic: "add", operands: [.reg("eax", size: 4), .reg("ecx", size: 4)])
            Normalization.finish(&c)
            #expect(c.operands.count == 2)
        }
    }
}
