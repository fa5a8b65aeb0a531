import FuzzChecks
import X86Decoder

/// One decode vector from Corpus/vectors/*.tsv, as a seed: mode, vendor (nil: either), bytes.
/// Reads both layouts: the hand vectors (`mode vendor hex length expected`) and the peer
/// vectors (a `source mode hex …` header line).
struct SeedVector {
    var source: String
    var line: Int
    var mode: Mode
    var vendor: Vendor?
    var bytes: [UInt8]

    static func parse(_ text: String, source: String) -> [SeedVector] {
        var out: [SeedVector] = []
        var modeColumn = 0, vendorColumn: Int? = 1, hexColumn = 2
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.first == "source" {
                modeColumn = fields.firstIndex(of: "mode") ?? 1
                hexColumn = fields.firstIndex(of: "hex") ?? 2
                vendorColumn = nil
                continue
            }
            guard fields.count > hexColumn, let bits = Int(fields[modeColumn]), let mode = Mode(bits: bits) else { continue }
            let hex = fields[hexColumn].replacingOccurrences(of: " ", with: "")
            var bytes: [UInt8] = []
            var rest = Substring(hex)
            while rest.count >= 2, let b = UInt8(rest.prefix(2), radix: 16) {
                bytes.append(b)
                rest = rest.dropFirst(2)
            }
            guard !bytes.isEmpty, rest.isEmpty else { continue }
            let vendor = vendorColumn.flatMap { Vendor(rawValue: fields[$0]) }
            out.append(SeedVector(source: source, line: i + 1, mode: mode, vendor: vendor, bytes: bytes))
        }
        return out
    }

    /// Header byte + bytes, one per vector (vendor `-`: intel), duplicates dropped.
    static func decoderSeeds(_ vectors: [SeedVector]) -> [(String, [UInt8])] {
        var seen = Set<[UInt8]>()
        var out: [(String, [UInt8])] = []
        for v in vectors {
            let seed = [DecoderFuzzInput.header(mode: v.mode, vendor: v.vendor ?? .intel)] + v.bytes
            if seen.insert(seed).inserted { out.append(("\(v.source)-\(v.line)", seed)) }
        }
        return out
    }

    /// 64-bit vectors that decode, at most three per mnemonic, in the default machine state of
    /// `EmulatorFuzzInput.encode`. VEX forms are kept: BMI1/BMI2 (ANDN, BEXTR, SHLX, MULX …) are
    /// VEX-encoded GPR instructions the emulator runs; vector forms cost one `unsupported` step.
    static func emulatorSeeds(_ vectors: [SeedVector]) -> [(String, [UInt8])] {
        var perMnemonic: [String: Int] = [:]
        var out: [(String, [UInt8])] = []
        for v in vectors where v.mode == .bits64 {
            let profile = v.vendor ?? .amd
            guard let i = X86Decoder(mode: .bits64, vendor: profile).decode(v.bytes).instruction else { continue }
            let n = perMnemonic[i.mnemonic, default: 0]
            if n >= 3 { continue }
            perMnemonic[i.mnemonic] = n + 1
            out.append(("\(v.source)-\(v.line)", EmulatorFuzzInput.encode(code: Array(v.bytes.prefix(i.length)), profile: profile)))
        }
        return out
    }
}
