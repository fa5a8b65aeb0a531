import ArgumentParser
import DiffTest
import Foundation
import X86Decoder

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the project decoder with Capstone and Zydis on validity and length, in bulk.",
        discussion: """
            Workloads: --random N seeded 15-byte buffers, and/or --text (a linear sweep of the
            .text sections of the ELF files under --text-roots). Disagreements are bucketed by
            oracle, field, opcode map and opcode, and explained by known oracle bugs.
            Exit status: 0 when every disagreement is a known oracle bug, 1 otherwise, 2 on bad input.
            Examples:
              difftest sweep --random 1000000 --seed 7
              difftest sweep --text --report Reports
            """
    )

    @OptionGroup var options: DecodeOptions

    @Option(help: "Number of seeded random 15-byte buffers.")
    var random: Int = 0

    @Option(help: "Seed of the random buffers (default: a fresh one, printed).")
    var seed: UInt64?

    @Flag(help: "Sweep the .text of the ELF files under --text-roots.")
    var text = false

    @Option(help: "Comma-separated folders for --text.")
    var textRoots: String = "/usr/bin,/usr/lib"

    @Option(help: "Comma-separated oracles to compare with the project.")
    var oracle: String = "capstone,zydis"

    @Option(help: "Write sweep-<workload>.json here.")
    var report: String?

    @Option(help: "Buckets to print per workload.")
    var show: Int = 15

    func validate() throws {
        if random < 0 { throw ValidationError("--random must not be negative") }
        if random == 0 && !text { throw ValidationError("give --random N and/or --text") }
        for name in oracle.split(separator: ",") where !OracleRegistry.decodeOracleNames.contains(String(name)) {
            throw ValidationError("unknown oracle '\(name)' (known: \(OracleRegistry.decodeOracleNames.joined(separator: ", ")))")
        }
    }

    func run() throws {
        var oracles: [DecodeOracle] = []
        do {
            for name in oracle.split(separator: ",") where name != "project" { oracles.append(try OracleRegistry.makeDecodeOracle(String(name))) }
        } catch {
            fail("\(error)")
        }
        var reports: [DiffTest.Sweep.Report] = []
        if random > 0 {
            let s = seed ?? UInt64.random(in: 1..<UInt64(1) << 53)
            print("sweep random: \(random) buffers, seed \(s), \(options.mode.bits)-bit \(options.vendor.rawValue)")
            let sweep = DiffTest.Sweep(mode: options.mode, vendor: options.vendor, oracles: oracles)
            var rng = SplitMix64(seed: s)
            var window = [UInt8](repeating: 0, count: 16)
            for _ in 0..<random {
                let a = rng.next(), b = rng.next()
                window.withUnsafeMutableBytes { w in
                    w.storeBytes(of: a, toByteOffset: 0, as: UInt64.self)
                    w.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
                }
                _ = window.withUnsafeBytes { sweep.check(UnsafeRawBufferPointer(rebasing: $0[0..<15])) }
            }
            reports.append(sweep.report(workload: "random", seed: s))
        }
        if text {
            let sweep = DiffTest.Sweep(mode: options.mode, vendor: options.vendor, oracles: oracles)
            var files = 0
            var bytes = 0
            for path in ELFText.files(under: textRoots.split(separator: ",").map(String.init)) {
                guard let t = ELFText.text(ofFile: path) else { continue }
                files += 1
                bytes += t.count
                sweep.sweep(text: t)
            }
            print("sweep text: \(files) ELF files, \(bytes) bytes of .text")
            reports.append(sweep.report(workload: "text", seed: nil))
        }
        var clean = true
        for r in reports {
            print(SweepText.render(r, show: show))
            if r.unexplained.values.contains(where: { $0 > 0 }) { clean = false }
            if let dir = report {
                let path = dir + "/sweep-\(r.workload).json"
                do { try ReportFile.write(r, to: path) } catch { fail("cannot write \(path): \(error)") }
                print("wrote \(path)")
            }
        }
        if !clean { throw ExitCode(1) }
    }
}

enum SweepText {
    static func render(_ r: DiffTest.Sweep.Report, show: Int) -> String {
        var out = "\n\(r.workload): \(r.cases) cases, project valid \(r.projectValid)\n"
        for name in r.agreeing.keys.sorted() {
            let agree = r.agreeing[name] ?? 0
            let pct = r.cases > 0 ? 100 * Double(agree) / Double(r.cases) : 100
            out += "  \(name): validity+length agree \(agree)/\(r.cases) (\(String(format: "%.4f", pct))%), "
            out += "known oracle bugs \(r.explained[name] ?? 0), unexplained \(r.unexplained[name] ?? 0)\n"
        }
        if !r.buckets.isEmpty { out += "  buckets (unexplained first):\n" }
        for b in r.buckets.prefix(show) {
            let tag = b.knownBug.map { "known: \($0)" } ?? (b.blame.map { "UNEXPLAINED, blame \($0)" } ?? "UNEXPLAINED")
            out += "  \(String(format: "%8d", b.count))  \(b.oracle) \(b.field) \(b.map) \(b.opcode): project \(b.project), \(b.oracle) \(b.other)  [\(tag)]\n"
            out += "            \(b.repro)\n"
        }
        if r.buckets.count > show { out += "  … \(r.buckets.count - show) more buckets\n" }
        return out
    }
}
