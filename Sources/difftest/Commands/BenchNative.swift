import ArgumentParser
import DiffTest
import Foundation

struct BenchNative: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "native",
        abstract: "Native sandbox throughput: persistent child vs fork per case, stub vs signals, length fast path vs full search.",
        discussion: """
            native-exec: the native oracle on mixed register-only and faulting cases.
            native-exec-nonfaulting: the persistent child through the jump-back stub.
            fork-per-case: a fresh child (fork, set-up, seccomp) for every case.
            length-fast, length-full: length probes of random 15-byte buffers with
            the confirm-predicted fast path / the full search.
            Targets: >= 100,000 cases/s per core, >= 1,000,000/s non-faulting,
            >= 100,000 length probes/s per core.
            Example: difftest bench native --seconds 2 --json
            """)

    @Option(help: "Seconds per subject.")
    var seconds: Double = 2

    @Option(help: "Seed of the states and buffers.")
    var seed: UInt64 = 1

    @Flag(help: "One JSON object per line.")
    var json = false

    func validate() throws {
        if seconds <= 0 { throw ValidationError("--seconds must be positive") }
        if !NativePolicy.hostSupported { throw ValidationError("the native sandbox needs an x86-64 Linux host") }
    }

    func run() throws {
        let results: [NativeBenchmark.Measurement]
        do { results = try NativeBenchmark(seconds: seconds, seed: seed).all() } catch { fail("\(error)") }
        if json {
            for m in results { print(JSONLine.encode(m)) }
            return
        }
        print("cpu: \(HostCPU.current)")
        for m in results {
            print(m.subject.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "%14.0f cases/s", m.casesPerSecond))
        }
        func rate(_ s: String) -> Double { results.first { $0.subject == s }?.casesPerSecond ?? .nan }
        print(String(format: "ratio native-exec / fork-per-case %.1fx", rate("native-exec") / rate("fork-per-case")))
        print(String(format: "ratio length-fast / length-full   %.1fx", rate("length-fast") / rate("length-full")))
    }
}
