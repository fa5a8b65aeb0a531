import ArgumentParser

// Placeholder: the emulator issue implements this command.
struct BenchEmulate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "emulate", abstract: "Emulator throughput (not yet available).")
    func run() throws { throw ExitCode(2) }
}
