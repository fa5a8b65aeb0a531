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
