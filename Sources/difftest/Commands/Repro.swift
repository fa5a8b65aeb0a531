import ArgumentParser
import DiffTest
import Foundation
import X86Decoder

struct Repro: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every decode oracle's answer for one case side by side and mark what differs.",
        discussion: """
            Exit status: 0 when all oracles agree (after normalization and known oracle bugs),
            1 when they diverge, 2 on bad input.
            Examples:
              difftest repro 66e82e1b88e6 --vendor amd
              difftest repro --mode 32 "c4 e2 79 18 00"
            """
    )

    @OptionGroup var options: DecodeOptions

    @Flag(help: "Print the comparison as one JSON object.")
    var json = false

    @Argument(help: "The bytes, as hex (spaces allowed).")
    var hex: [String]

    func run() throws {
        let bytes: [UInt8]
        do { bytes = try Hex.parse(hex.joined(separator: " ")) } catch { fail("\(error)") }
        var oracles: [DecodeOracle] = []
        do {
            for name in OracleRegistry.decodeOracleNames { oracles.append(try OracleRegistry.makeDecodeOracle(name)) }
        } catch {
            fail("\(error)")
        }
        let c = Comparison(bytes: bytes, mode: options.mode, vendor: options.vendor, oracles: oracles)
        if json {
            print(JSONLine.encode(ReproJSON(c)))
        } else {
            print(ReproText.render(c))
        }
        if !c.agrees { throw ExitCode(1) }
    }
}

/// `difftest repro --json`.
struct ReproJSON: Encodable {
    var bytes: String
    var mode: Int
    var vendor: String
    var answers: [String: DecodeAnswer]
    var divergences: [Divergence]
    var agree: Bool

    init(_ c: Comparison) {
        bytes = Hex.string(c.bytes)
        mode = c.mode.bits
        vendor = c.vendor.rawValue
        answers = Dictionary(uniqueKeysWithValues: c.answers.map { ($0.name, $0.answer) })
        divergences = c.divergences
        agree = c.agrees
    }
}

enum ReproText {
    static func render(_ c: Comparison) -> String {
        var out = "\(Hex.string(c.bytes, separator: " "))  [\(c.mode.bits)-bit, \(c.vendor.rawValue)]\n"
        let differing = Set(c.divergences.map(\.oracle))
        // Names padded to the longest (native-length is 13), never cut.
        let width = c.answers.map(\.name.count).max() ?? 0
        for (name, a) in c.answers {
            let mark = differing.contains(name) ? "*" : " "
            let col = name.padding(toLength: width, withPad: " ", startingAt: 0)
            if a.valid {
                out += "\(mark) \(col) len \(a.length ?? 0)  \(AnswerText.instruction(a))\n"
            } else {
                out += "\(mark) \(col) invalid (\(a.reason ?? "?"))\n"
            }
        }
        if c.divergences.isEmpty {
            out += "all oracles agree"
            return out
        }
        out += "differences (project vs oracle):\n"
        for d in c.divergences {
            var line = "  \(d.oracle) \(d.field): project \(d.project), \(d.oracle) \(d.other)"
            if let bug = d.knownBug, let entry = KnownOracleBugs.all.first(where: { $0.id == bug }) {
                line += "\n    known oracle bug \(bug): \(entry.summary)\n    evidence: \(entry.evidence)"
            } else if let blame = d.blame {
                line += "  (blame by vote: \(blame))"
            }
            out += line + "\n"
        }
        out += c.agrees ? "agree after known oracle bugs" : "DIVERGE: \(c.unexplained.count) unexplained difference(s)"
        return out
    }
}
