import ArgumentParser
import DiffTest
import Foundation
import X86Decoder

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode hex bytes with one oracle and show length, mnemonic, operands and byte segments.",
        discussion: """
            Examples:
              difftest decode 48 89 c8
              difftest decode --mode 32 --oracle capstone c4 e2 79 18 00
              printf '4889c8\\n0f0b\\n' | difftest decode --jsonl -
            """
    )

    @OptionGroup var options: DecodeOptions

    @Option(help: "Which decoder answers: project, capstone or zydis.")
    var oracle: String = "project"

    @Flag(help: "Read one hex buffer per line from FILE (or - for standard input); print one JSON object per line.")
    var jsonl = false

    @Argument(help: "Hex bytes (spaces allowed), one instruction per argument; with --jsonl a FILE or -.")
    var hex: [String] = []

    func validate() throws {
        if !jsonl && hex.isEmpty { throw ValidationError("give at least one HEX argument") }
        if jsonl && hex.count > 1 { throw ValidationError("--jsonl takes one FILE or -") }
        guard OracleRegistry.decodeOracleNames.contains(oracle) else {
            throw ValidationError("unknown oracle '\(oracle)' (known: \(OracleRegistry.decodeOracleNames.joined(separator: ", ")))")
        }
    }

    func run() throws {
        let decoder: DecodeOracle
        do { decoder = try OracleRegistry.makeDecodeOracle(oracle) } catch { fail("\(error)") }
        if jsonl { try runJSONL(decoder) } else { try runText(decoder) }
    }

    func runText(_ decoder: DecodeOracle) throws {
        var bad = false
        for argument in hex {
            let bytes: [UInt8]
            do { bytes = try Hex.parse(argument) } catch {
                printError("error: \(error)")
                bad = true
                continue
            }
            let answer = decoder.decode(bytes, mode: options.mode, vendor: options.vendor, address: 0)
            print(AnswerText.line(bytes: bytes, answer: answer))
            if oracle == "project", case .valid(let i) = X86Decoder(mode: options.mode, vendor: options.vendor).decode(bytes) {
                print("  " + AnswerText.segments(bytes: bytes, layout: i.layout, length: i.length))
            }
        }
        if bad { throw ExitCode(2) }
    }

    func runJSONL(_ decoder: DecodeOracle) throws {
        let path = hex.first ?? "-"
        let handle: FileHandle
        if path == "-" {
            handle = .standardInput
        } else {
            guard let h = FileHandle(forReadingAtPath: path) else { fail("cannot read \(path)") }
            handle = h
        }
        let data = handle.readDataToEndOfFile()
        let text = String(decoding: data, as: UTF8.self)
        var bad = false
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            do {
                let bytes = try Hex.parse(trimmed)
                let answer = decoder.decode(bytes, mode: options.mode, vendor: options.vendor, address: 0)
                print(JSONLine.decode(bytes: bytes, mode: options.mode, answer: answer))
            } catch {
                print(JSONLine.error("\(error)"))
                bad = true
            }
        }
        if bad { throw ExitCode(2) }
    }
}
