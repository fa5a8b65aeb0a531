import Foundation
import X86Decoder

/// One-line JSON objects for `--jsonl` output: sorted keys, no spaces.
public enum JSONLine {
    struct DecodeLine: Encodable {
        var bytes: String
        var mode: Int
        var valid: Bool
        var length: Int?
        var mnemonic: String?
        var operands: [OperandAnswer]?
        var reason: String?
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    public static func encode(_ value: some Encodable) -> String {
        (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{\"error\":\"encoding failed\"}"
    }

    public static func decode(bytes: [UInt8], mode: Mode, answer: DecodeAnswer) -> String {
        encode(
            DecodeLine(
                bytes: Hex.string(bytes), mode: mode.bits, valid: answer.valid, length: answer.length,
                mnemonic: answer.mnemonic, operands: answer.valid ? answer.operands : nil, reason: answer.reason))
    }

    public static func error(_ message: String) -> String { encode(["error": message]) }
}

/// One line of a campaign's findings.jsonl: index, generator, bytes, signature, field, what
/// each side said, severity, blame. Written by hand, byte for byte what JSONEncoder writes for
/// `Line` with sorted keys and unescaped slashes (a test holds the two equal): a campaign logs
/// every finding, explained ones included, and JSONEncoder was a tenth of its time.
public enum FindingLine {
    /// The line's shape, for JSONEncoder (the reference) and readers.
    public struct Line: Codable, Equatable, Sendable {
        public var index: UInt64?
        public var generator: String?
        public var bytes: String
        public var signature: String
        public var field: String
        public var values: [String: String]
        public var severity: Severity
        public var blame: String?

        public init(_ f: Finding) {
            index = f.case.origin?.index
            generator = f.case.origin?.generator
            bytes = f.case.hex
            signature = f.signature.text
            field = f.field
            values = f.values
            severity = f.severity
            blame = f.blame
        }
    }

    /// JSONEncoder's text of the line (no newline).
    public static func reference(_ f: Finding) -> String { JSONLine.encode(Line(f)) }

    /// Appends the line and a newline to `out`.
    public static func append(_ f: Finding, to out: inout [UInt8]) {
        let line = Line(f)
        var first = true
        func key(_ k: String) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            string(k, &out)
            out.append(UInt8(ascii: ":"))
        }
        if let blame = line.blame { key("blame"); string(blame, &out) }
        key("bytes"); string(line.bytes, &out)
        key("field"); string(line.field, &out)
        if let generator = line.generator { key("generator"); string(generator, &out) }
        if let index = line.index { key("index"); out.append(contentsOf: String(index).utf8) }
        key("severity"); string(line.severity.rawValue, &out)
        key("signature"); string(line.signature, &out)
        key("values")
        out.append(UInt8(ascii: "{"))
        for (k, (name, value)) in line.values.sorted(by: { $0.key < $1.key }).enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            string(name, &out)
            out.append(UInt8(ascii: ":"))
            string(value, &out)
        }
        out.append(UInt8(ascii: "}"))
        out.append(UInt8(ascii: "}"))
        out.append(0x0A)
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string as JSONEncoder writes it: `"` and `\` escaped, control characters as
    /// `\b \f \n \r \t` or `\u00XX`, everything else (slashes, non-ASCII UTF-8) as is.
    static func string(_ s: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(c)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(c)
            case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(c >> 4)])
                out.append(hexDigits[Int(c & 15)])
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
