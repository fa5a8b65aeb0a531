/// Hex text <-> bytes. Input may contain spaces, tabs and an optional `0x` prefix per token.
public enum Hex {
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func parse(_ text: some StringProtocol) throws(ParseError) -> [UInt8] {
        var bytes: [UInt8] = []
        var digits: [UInt8] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }) {
            var t = Substring(token)
            if t.hasPrefix("0x") || t.hasPrefix("0X") { t = t.dropFirst(2) }
            for c in t.utf8 {
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(c - 48)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digits.append(c - 87)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digits.append(c - 55)
                default:
                    throw ParseError(description: "malformed hex '\(text)': '\(Character(Unicode.Scalar(c)))' is not a hex digit")
                }
            }
        }
        guard digits.count % 2 == 0 else { throw ParseError(description: "malformed hex '\(text)': odd number of digits") }
        guard !digits.isEmpty else { throw ParseError(description: "malformed hex '\(text)': no bytes") }
        var i = 0
        while i < digits.count {
            bytes.append(digits[i] << 4 | digits[i + 1])
            i += 2
        }
        return bytes
    }

    public static func string(_ bytes: some Sequence<UInt8>, separator: String = "") -> String {
        var out = ""
        var first = true
        for b in bytes {
            if !first && !separator.isEmpty { out += separator }
            first = false
            out += byteText[Int(b)]
        }
        return out
    }

    /// `string([b])` for every byte, made once (signatures name an opcode byte per finding).
    static let byteText: [String] = (0...255).map { b in
        let digits = Array("0123456789abcdef")
        return String([digits[b >> 4], digits[b & 15]])
    }
}
