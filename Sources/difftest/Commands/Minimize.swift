import ArgumentParser
import DiffTest
import Foundation
import X86Decoder

struct Minimize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Shrink a diverging case while its finding's signature still reproduces.",
        discussion: """
            CASE is a case or finding file (.json), a corpus case id (or id prefix), or hex bytes.
            Drops prefixes and trailing bytes, zeroes displacements and immediates, lowers register
            numbers; deterministic and bounded by --steps.
            Exit status: 1 when the case diverges (the minimized case is printed), 0 when it does
            not diverge (nothing to minimize), 2 on bad input.
            Examples:
              difftest minimize 2e3e0fb9c0aabbcc
              difftest minimize Corpus/findings/decode.project-capstone.0f.b9.length/0123456789abcdef.json --out min.json
            """
    )

    @OptionGroup var options: DecodeOptions

    @Option(help: "Comma-separated oracles compared with the project decoder.")
    var oracle: String = OracleRegistry.decodeOracleNames.filter { $0 != "project" }.joined(separator: ",")

    @Option(help: "Corpus folder, for case ids.")
    var corpus: String = "Corpus"

    @Option(help: "Keep this signature (default: the case's most severe finding).")
    var signature: String?

    @Option(help: "Maximum candidate checks.")
    var steps: Int = 500

    @Option(help: "Write the minimized case (JSON) here.")
    var out: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    @Argument(help: "The case: a file, a corpus id, or hex bytes.")
    var input: [String]

    func run() throws {
        let c = CaseInput.resolve(input.joined(separator: " "), options: options, corpus: corpus)
        let checker: DecodeChecker
        do { checker = try DecodeChecker(oracleNames: oracle.split(separator: ",").map(String.init)) } catch { fail("\(error)") }
        let findings = checker.check(c)
        let target: Finding
        if let signature {
            guard let f = findings.first(where: { $0.signature.text == signature }) else { fail("the case does not reproduce \(signature)") }
            target = f
        } else {
            guard let f = findings.max(by: { $0.severity < $1.severity || ($0.severity == $1.severity && $0.explained && !$1.explained) }) else {
                print("\(c): all oracles agree; nothing to minimize")
                return
            }
            target = f
        }
        guard let r = Minimizer(checker: checker, maxSteps: steps).minimize(c, signature: target.signature) else {
            fail("the finding does not reproduce")
        }
        if let out {
            do { try AtomicFile.writeJSON(r.case, to: out) } catch { fail("\(error)") }
        }
        if json {
            print(JSONLine.encode(MinimizeJSON(signature: target.signature.text, original: c.hex, minimized: r.case.hex, steps: r.steps,
                                               repro: r.case.reproLine)))
        } else {
            print("signature \(target.signature.text)")
            print("original  \(c.hex) (\(c.bytes.count) bytes)")
            print("minimized \(r.case.hex) (\(r.case.bytes.count) bytes, \(r.steps) checks)")
            print(r.case.reproLine)
        }
        throw ExitCode(1)
    }
}

struct MinimizeJSON: Encodable {
    var signature: String
    var original: String
    var minimized: String
    var steps: Int
    var repro: String
}

/// A case named on the command line: a .json file (a case or a corpus finding file), a
/// corpus case id, or hex.
enum CaseInput {
    static func resolve(_ text: String, options: DecodeOptions, corpus: String) -> Case {
        if text.hasSuffix(".json") || FileManager.default.fileExists(atPath: text) {
            guard let data = FileManager.default.contents(atPath: text) else { fail("cannot read \(text)") }
            if let f = try? JSONDecoder().decode(CorpusStore.FindingFile.self, from: data) { return f.finding.case }
            do { return try JSONDecoder().decode(Case.self, from: data) } catch { fail("\(text): not a case file (\(error))") }
        }
        let compact = text.replacingOccurrences(of: " ", with: "")
        if compact.count == 16, FileManager.default.fileExists(atPath: corpus),
           let c = try? CorpusStore(root: corpus).findCase(id: compact) {
            return c
        }
        do { return Case(mode: options.mode, vendor: options.vendor, bytes: try Hex.parse(text)) } catch { fail("\(error)") }
    }
}
