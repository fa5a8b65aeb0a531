import ArgumentParser
import DiffTest
import Foundation
import X86Decoder

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that report ratios against peers measured in the same run.",
        subcommands: [BenchDecode.self, BenchEmulate.self, BenchCampaign.self, BenchNative.self]
    )
}

struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode throughput: project (length-only, full) vs Capstone (detail off/on) vs Zydis (minimal/full).",
        discussion: """
            Workloads: 'random' (seeded random bytes) and 'text' (the concatenated .text sections
            of the machine's binaries). Every subject walks the same buffer linearly.
            Example: difftest bench decode --seconds 3 --json
            """
    )

    @Option(help: "Seconds per subject and workload.")
    var seconds: Double = 3

    @Option(help: "Size of the random workload in MiB.")
    var randomMiB: Int = 64

    @Option(help: "Maximum size of the text workload in MiB.")
    var textMiB: Int = 64

    @Option(help: "Seed of the random workload.")
    var seed: UInt64 = 1

    @Option(help: "Folders whose ELF files' .text make the text workload (comma separated).")
    var textRoots: String = "/usr/bin,/usr/lib"

    @Option(help: "Subjects to run (comma separated; default all: \(DecodeBenchmark.subjects.joined(separator: ",")); also \(DecodeBenchmark.extraSubjects.joined(separator: ",")), the harness alone).")
    var subjects: String = DecodeBenchmark.subjects.joined(separator: ",")

    @Option(help: "Workloads to run (comma separated: random,text).")
    var workloads: String = "random,text"

    @Option(help: "Slices the time of each subject is split into; subjects take turns slice by slice.")
    var rounds: Int = 4

    @Flag(help: "One JSON object per line.")
    var json = false

    var subjectList: [String] { subjects.split(separator: ",").map(String.init) }
    var workloadList: [String] { workloads.split(separator: ",").map(String.init) }

    func validate() throws {
        if seconds <= 0 { throw ValidationError("--seconds must be positive") }
        if randomMiB <= 0 || textMiB <= 0 { throw ValidationError("workload sizes must be positive") }
        if rounds < 1 { throw ValidationError("--rounds must be at least 1") }
        for s in subjectList where !(DecodeBenchmark.subjects + DecodeBenchmark.extraSubjects).contains(s) {
            throw ValidationError("unknown subject '\(s)' (known: \((DecodeBenchmark.subjects + DecodeBenchmark.extraSubjects).joined(separator: ", ")))")
        }
        if subjectList.isEmpty { throw ValidationError("--subjects is empty") }
        for w in workloadList where w != "random" && w != "text" {
            throw ValidationError("unknown workload '\(w)' (known: random, text)")
        }
    }

    func run() throws {
        var generator = SplitMix64(seed: seed)
        let random = workloadList.contains("random") ? generator.bytes(randomMiB << 20) : []
        let text = workloadList.contains("text")
            ? ELFText.corpus(roots: textRoots.split(separator: ",").map(String.init), maxBytes: textMiB << 20)
            : (bytes: [], files: 0)
        if !json {
            print("random: \(random.count) bytes (seed \(seed)); text: \(text.bytes.count) bytes from \(text.files) files")
        }
        let bench = DecodeBenchmark(secondsPerSubject: seconds)
        var results: [DecodeBenchmark.Measurement] = []
        do {
            if random.count > 16 { results += try bench.run(workload: "random", bytes: random, subjects: subjectList, rounds: rounds) }
            if text.bytes.count > 16 { results += try bench.run(workload: "text", bytes: text.bytes, subjects: subjectList, rounds: rounds) }
        } catch {
            fail("\(error)")
        }
        if json {
            for m in results { print(JSONLine.encode(m)) }
            return
        }
        for workload in ["random", "text"] {
            let rows = results.filter { $0.workload == workload }
            guard !rows.isEmpty else { continue }
            print("\nworkload \(workload)")
            print("subject".padding(toLength: 18, withPad: " ", startingAt: 0) + "      instr/s        MB/s")
            for m in rows {
                let name = m.subject.padding(toLength: 18, withPad: " ", startingAt: 0)
                print(name + String(format: "%13.0f %11.1f", m.instructionsPerSecond, m.bytesPerSecond / 1e6))
            }
            func rate(_ s: String) -> Double? { rows.first { $0.subject == s }?.instructionsPerSecond }
            // A ratio is printed when both of its subjects ran.
            for (a, b, target) in [("project-full", "zydis-full", " (target >= 2x)"), ("project-length", "zydis-minimal", " (target >= 10x)"),
                                   ("project-full", "capstone-detail", ""), ("project-length", "capstone", "")] {
                guard let x = rate(a), let y = rate(b) else { continue }
                let label = "ratio \(a) / \(b)".padding(toLength: 36, withPad: " ", startingAt: 0)
                print(label + String(format: " %.2fx", x / y) + target)
            }
        }
    }
}
