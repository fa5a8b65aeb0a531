import Foundation
import X86Decoder

/// One hand-checked decode vector from a Corpus/vectors/*.tsv file.
public struct DecodeVector: Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var mode: Mode
    public var vendor: Vendor?
    public var bytes: [UInt8]
    /// Expected length, or nil when the bytes must be invalid.
    public var length: Int?
    /// Expected invalid reason name, or text (`mnemonic op1, op2`), or empty.
    public var expected: String

    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
    public var description: String { "\(file):\(line) [\(mode.bits)\(vendor.map { "/" + $0.rawValue } ?? "")] \(hex)" }
}

/// Reads the project's vector files: tab-separated `mode  vendor  hex  length  expected`,
/// `#` comments, mode 16/32/64, vendor `-`/intel/amd, length a number or `invalid`.
public enum VectorFile {
    /// Corpus/ in the checkout, found from this source file's location.
    public static var corpus: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Corpus")
    }

    public static func load(_ name: String) throws -> [DecodeVector] {
        let url = corpus.appendingPathComponent("vectors").appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        var out: [DecodeVector] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.count < 4 || fields[0].isEmpty { continue }
            guard let bits = Int(fields[0]), let mode = Mode(bits: bits) else { throw VectorError("\(name):\(i + 1): bad mode") }
            let vendor = fields[1] == "-" ? nil : Vendor(rawValue: fields[1])
            var bytes: [UInt8] = []
            var hex = Substring(fields[2].replacingOccurrences(of: " ", with: ""))
            while hex.count >= 2 {
                guard let b = UInt8(hex.prefix(2), radix: 16) else { throw VectorError("\(name):\(i + 1): bad hex") }
                bytes.append(b)
                hex = hex.dropFirst(2)
            }
            let length = fields[3] == "invalid" ? nil : Int(fields[3])
            out.append(DecodeVector(file: name, line: i + 1, mode: mode, vendor: vendor, bytes: bytes, length: length, expected: fields.count > 4 ? fields[4] : ""))
        }
        return out
    }
}

public struct VectorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
