import ArgumentParser
import DiffTest
import X86Decoder

@main
struct DiffTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "difftest",
        abstract: "Differential testing of an x86 decoder against Capstone, Zydis and the CPU.",
        discussion: """
            Exit status: 0 clean, 1 divergence found, 2 bad input or set-up error.
            Examples:
              difftest decode 48 89 c8
              difftest repro 66e82e1b88e6 --vendor amd
              difftest bench decode --seconds 2
            """,
        version: DiffTestVersion.current,
        subcommands: [Decode.self, Repro.self, Sweep.self, Emulate.self, Bench.self, Fuzz.self, Minimize.self, Replay.self, ReportCommand.self, Native.self]
    )
}

extension DiffTestCommand {
    /// Like ArgumentParser's `main()`, but a usage error (unknown flag, malformed value, failed
    /// validation) exits with 2, the tool's "bad input" status, instead of 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // One line: the error itself; `--help` has the usage.
                let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                printError("error: " + (message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

extension Mode: ExpressibleByArgument {
    public init?(argument: String) { self.init(bits: Int(argument) ?? 0) }
    public static var allValueStrings: [String] { ["16", "32", "64"] }
}

extension Vendor: ExpressibleByArgument {}

/// Options every decoding command shares.
struct DecodeOptions: ParsableArguments {
    @Option(help: "Processor mode: 16, 32 or 64.")
    var mode: Mode = .bits64

    @Option(help: "Vendor rules: intel or amd.")
    var vendor: Vendor = .intel
}

/// Exit with status 2 and one clear line on standard error.
func fail(_ message: String) -> Never {
    printError("error: \(message)")
    Foundation.exit(2)
}

import Foundation

func printError(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}
