import Foundation
import FuzzChecks
import Testing
import TestSupport
import X86Decoder

/// Replays the fuzz targets' regression cases (Corpus/fuzz/regressions/<target>/, written by
/// Scripts/fuzz.sh from minimized crashes) through the same checks the targets run
/// (`DecoderChecks`, `EmulatorChecks`), and the decode vectors the seed corpora are made from.
///
/// A case whose `<name>.txt` says `status: open` is a reported bug not fixed yet: it is expected
/// to fail (`withKnownIssue`), and the test fails once it passes, so that the fix flips the
/// status to `fixed`. The oracle comparison of `differential` cases needs Capstone and Zydis
/// and is replayed by `Scripts/fuzz.sh --replay`; here their bytes go through `DecoderChecks`.
@Suite struct FuzzRegressionTests {
    struct Case: CustomStringConvertible, Sendable {
        var target: String
        var name: String
        var bytes: [UInt8]
        var open: Bool
        var report: String
        var description: String { "\(target)/\(name)" }
    }

    static var regressions: URL { VectorFile.corpus.appendingPathComponent("fuzz/regressions") }

    static func cases(_ target: String) -> [Case] {
        let dir = regressions.appendingPathComponent(target)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasSuffix(".txt") && !$0.hasPrefix(".") }
        return names.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { return nil }
            let report = (try? String(contentsOf: dir.appendingPathComponent(name + ".txt"), encoding: .utf8)) ?? ""
            return Case(target: target, name: name, bytes: [UInt8](data), open: report.hasPrefix("status: open"), report: report)
        }
    }

    /// Runs `check`; an open case must fail it, a fixed one must pass.
    func replay(_ c: Case, _ check: ([UInt8]) -> FuzzFailure?) {
        if c.open {
            withKnownIssue("open fuzz finding \(c): \(c.report.split(separator: "\n").dropFirst().first ?? "")") {
                if let f = check(c.bytes) { Issue.record("\(c): \(f)") }
            }
        } else if let f = check(c.bytes) {
            Issue.record("\(c): \(f)")
        }
    }

    @Test(arguments: cases("decoder"))
    func decoder(_ c: Case) {
        replay(c) { bytes in
            var checks = DecoderChecks()
            return bytes.withUnsafeBytes { checks.check($0) }
        }
    }

    @Test(arguments: cases("emulator"))
    func emulator(_ c: Case) {
        replay(c) { bytes in bytes.withUnsafeBytes { EmulatorChecks().check($0) } }
    }

    @Test(arguments: cases("differential"))
    func differentialBytesPassDecoderChecks(_ c: Case) {
        var checks = DecoderChecks()
        if let f = c.bytes.withUnsafeBytes({ checks.check($0) }) { Issue.record("\(c): \(f)") }
    }

    /// Every decode vector the seed corpora are built from passes the decoder checks, in the
    /// vector's mode and both vendors (the hand vectors, and the peer vectors' `mode hex` columns).
    @Test func seedVectorsPassDecoderChecks() throws {
        var inputs: [(String, Mode, [Vendor], [UInt8])] = try VectorFile.load("decoder-hand.tsv").map {
            ($0.description, $0.mode, $0.vendor.map { [$0] } ?? Vendor.allCases, $0.bytes)
        }
        let peer = try String(contentsOf: VectorFile.corpus.appendingPathComponent("vectors/peer-decoder-vectors.tsv"), encoding: .utf8)
        for (i, line) in peer.split(separator: "\n").enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count > 2, let bits = Int(f[1]), let mode = Mode(bits: bits) else { continue }
            var bytes: [UInt8] = []
            var hex = Substring(f[2])
            while hex.count >= 2, let b = UInt8(hex.prefix(2), radix: 16) {
                bytes.append(b)
                hex = hex.dropFirst(2)
            }
            inputs.append(("peer-decoder-vectors.tsv:\(i + 1) \(f[2])", mode, Vendor.allCases, bytes))
        }
        #expect(inputs.count > 3000)
        var checks = DecoderChecks()
        for (name, mode, vendors, bytes) in inputs {
            for vendor in vendors {
                let input = [DecoderFuzzInput.header(mode: mode, vendor: vendor)] + bytes
                if let f = input.withUnsafeBytes({ checks.check($0) }) { Issue.record("\(name) \(vendor): \(f)") }
            }
        }
    }
}
