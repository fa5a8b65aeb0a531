import ArgumentParser

// Placeholder: the emulator issue implements this command.
struct Emulate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Emulate one instruction (not yet available).")
    func run() throws { throw ExitCode(2) }
}
