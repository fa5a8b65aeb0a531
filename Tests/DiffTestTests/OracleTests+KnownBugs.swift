import Testing
import X86Decoder

@testable import DiffTest

extension OracleTests {
    /// Every registry entry: its example still reproduces (the oracle says what the registry
    /// says, and differs from the other oracle in the registered field), its matcher explains
    /// that difference and the lookup finds it, and its matcher stays silent on the control.
    @Suite struct KnownBugs {
        static func answers(_ c: KnownOracleBug.Case) throws -> ([UInt8], [String: DecodeAnswer]) {
            let bytes = try Hex.parse(c.hex)
            var out: [String: DecodeAnswer] = [:]
            for oracle in [try CapstoneOracle() as DecodeOracle, try ZydisOracle()] {
                out[oracle.name] = oracle.decode(bytes, mode: c.mode, vendor: c.vendor, address: 0)
            }
            return (bytes, out)
        }

        /// The fields on which `oracle` differs from any other oracle.
        static func differences(_ answers: [String: DecodeAnswer], oracle: String) -> [FieldDifference] {
            answers.filter { $0.key != oracle }.values.flatMap { compare(answers[oracle]!, $0) }
        }

        @Test(arguments: KnownOracleBugs.all) func exampleReproduces(_ bug: KnownOracleBug) throws {
            let (_, answers) = try Self.answers(bug.example)
            let a = try #require(answers[bug.oracle], "\(bug.id): no oracle named \(bug.oracle)")
            #expect(a.valid == bug.observed.valid, "\(bug.id) \(bug.example): valid")
            #expect(a.length == bug.observed.length, "\(bug.id) \(bug.example): length")
            if let m = bug.observed.mnemonic { #expect(a.mnemonic == m, "\(bug.id) \(bug.example): mnemonic") }
        }

        @Test(arguments: KnownOracleBugs.all) func matcherExplainsExample(_ bug: KnownOracleBug) throws {
            let (bytes, answers) = try Self.answers(bug.example)
            let fields = Self.differences(answers, oracle: bug.oracle).filter { $0.fieldKind == bug.field }
            #expect(!fields.isEmpty, "\(bug.id) \(bug.example): no difference in \(bug.field)")
            for d in fields {
                let found = knownBug(oracle: bug.oracle, bytes: bytes, mode: bug.example.mode, vendor: bug.example.vendor,
                                     answers: answers, field: d.field)
                #expect(found?.id == bug.id, "\(bug.id) \(bug.example): \(d) explained by \(found?.id ?? "nothing")")
            }
        }

        @Test(arguments: KnownOracleBugs.all) func matcherIgnoresControl(_ bug: KnownOracleBug) throws {
            let (bytes, answers) = try Self.answers(bug.control)
            let own = try #require(answers[bug.oracle])
            let others = answers.filter { $0.key != bug.oracle }
            var fields = Set(Self.differences(answers, oracle: bug.oracle).map(\.field))
            fields.insert(bug.field.replacing("operand.", with: "operand[0]."))
            fields.insert(bug.field.replacing("operand.", with: "operand[1]."))
            for field in fields {
                #expect(!bug.matches(bytes, bug.control.mode, bug.control.vendor, own, others, field),
                        "\(bug.id) matches its control \(bug.control) on \(field)")
            }
        }

        @Test func idsAreUniqueAndNamed() {
            let ids = KnownOracleBugs.all.map(\.id)
            #expect(Set(ids).count == ids.count)
            for bug in KnownOracleBugs.all {
                #expect(bug.id.hasPrefix(bug.oracle + "-"), "\(bug.id)")
                #expect(!bug.evidence.isEmpty && !bug.truth.isEmpty && !bug.oracleSays.isEmpty, "\(bug.id)")
            }
        }

        /// A disagreement no entry explains stays unexplained: Capstone's 16-bit mode ignoring a
        /// mandatory 66 (`66 0f 58 c1` is addpd, Capstone says addps) is not in the registry.
        @Test func unregisteredDisagreementIsNotExplained() throws {
            let (bytes, answers) = try Self.answers(.init("660f58c1", .bits16))
            let fields = Self.differences(answers, oracle: "capstone")
            #expect(fields.contains { $0.field == "mnemonic" })
            for d in fields {
                #expect(knownBug(oracle: "capstone", bytes: bytes, mode: .bits16, vendor: .intel, answers: answers, field: d.field) == nil)
            }
        }
    }
}
