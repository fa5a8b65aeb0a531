import ArgumentParser
import DiffTest
import Foundation

struct BenchEmulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Emulator cost: fresh-state step (project vs Unicorn) and straight-line throughput.",
        discussion: """
            project-step and unicorn-step: set the registers, execute one register-only
            instruction, read the registers (the same instructions and seeded states for both).
            project-stream: instructions per second over a long register-only loop.
            Example: difftest bench emulate --seconds 2 --json
            """)

    @Option(help: "Seconds per subject.")
    var seconds: Double = 2

    @Option(help: "Seed of the register states.")
    var seed: UInt64 = 1

    @Flag(help: "One JSON object per line.")
    var json = false

    func validate() throws {
        if seconds <= 0 { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        let bench = EmulateBenchmark(seconds: seconds, seed: seed)
        var results = [bench.projectStep()]
        do { results.append(try bench.unicornStep()) } catch { fail("\(error)") }
        results.append(bench.projectStream())
        if json {
            for m in results { print(JSONLine.encode(m)) }
            return
        }
        for m in results {
            print(m.subject.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%14.0f cases/s", m.casesPerSecond))
        }
        let ratio = results[0].casesPerSecond / results[1].casesPerSecond
        print(String(format: "ratio project-step / unicorn-step %.1fx (target >= 50x)", ratio))
    }
}
