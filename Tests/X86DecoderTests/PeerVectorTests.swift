import Foundation
import Testing
import TestSupport
import X86Decoder

/// Corpus/vectors/peer-decoder-vectors.tsv: 3,016 cases from LLVM's and Zydis' own decoder test
/// suites. The project must give the peer's length (or call the bytes invalid where it does),
/// except for the families below and the rows in peer-exceptions.tsv, each with its reason.
@Suite struct PeerVectorTests {
    /// Encodings the project does not decode, by source prefix: APX (REX2, EVEX map 4 and the
    /// extended EVEX forms), the AMX/ACE extensions after AMX-TILE/INT8/BF16, and Knights Corner.
    static let skippedSources = ["llvm:apx/", "llvm:AMX/", "llvm:acev1", "llvm:amx-avx512", "llvm:amx-transpose",
                                 "zydis:default_051", "zydis:default_052", "zydis:default_054", "zydis:default_055",
                                 "zydis:default_056", "zydis:default_057"]

    struct Row: Sendable, CustomTestStringConvertible {
        var source: String
        var mode: String
        var hex: String
        var length: Int?
        var expected: String
        var testDescription: String { "\(source) [\(mode)] \(hex)" }
    }

    static func rows() -> [Row] {
        guard let text = try? String(contentsOf: VectorFile.corpus.appendingPathComponent("vectors/peer-decoder-vectors.tsv"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Row(source: f[0], mode: f[1], hex: f[2], length: Int(f[3]), expected: f.count > 5 ? f[5] : "")
        }
    }

    static func exceptions() -> Set<String> {
        guard let text = try? String(contentsOf: VectorFile.corpus.appendingPathComponent("vectors/peer-exceptions.tsv"), encoding: .utf8) else { return [] }
        var out = Set<String>()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t").map(String.init)
            if f.count >= 4 { out.insert("\(f[0])|\(f[1])|\(f[2])") }
        }
        return out
    }

    @Test func peerLengthsAgree() throws {
        let rows = Self.rows()
        try #require(rows.count == 3016, "peer vector file missing or changed")
        let exceptions = Self.exceptions()
        var compared = 0
        var excepted = 0
        for row in rows {
            if row.mode == "64-knc" || Self.skippedSources.contains(where: { row.source.hasPrefix($0) }) { continue }
            guard let bits = Int(row.mode), let mode = Mode(bits: bits) else { continue }
            var bytes: [UInt8] = []
            var s = Substring(row.hex)
            while s.count >= 2 {
                bytes.append(UInt8(s.prefix(2), radix: 16)!)
                s = s.dropFirst(2)
            }
            // LLVM gives 66-prefixed near branches a 16-bit offset in 64-bit mode (the AMD rule).
            let vendor: Vendor = row.source.hasPrefix("llvm:") ? .amd : .intel
            let got = X86Decoder(mode: mode, vendor: vendor).length(of: bytes).length
            let key = "\(row.source)|\(row.mode)|\(row.hex)"
            if exceptions.contains(key) {
                excepted += 1
                #expect(got != row.length, "\(row.testDescription) now agrees with the peer: drop it from peer-exceptions.tsv")
                continue
            }
            compared += 1
            #expect(got == row.length, "\(row.testDescription): project \(got.map(String.init) ?? "invalid"), peer \(row.length.map(String.init) ?? "invalid") (\(row.expected))")
        }
        #expect(compared > 1500)
        #expect(excepted == exceptions.count, "every exception names a row that exists")
    }
}
