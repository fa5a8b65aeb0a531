/// A property a fuzz target checks that did not hold: the check's name (stable, used in
/// regression file names and reports) and what was seen.
public struct FuzzFailure: Error, CustomStringConvertible, Sendable {
    public var check: String
    public var detail: String
    /// What groups equal failures (the mnemonic, or the opcode map and byte), for the bucket
    /// signature printed by the fuzz targets.
    public var key: String

    public init(_ check: String, _ detail: String, key: String = "") {
        self.check = check
        self.detail = detail
        self.key = key
    }

    /// `check key`: equal for two inputs that fail the same way (Scripts/fuzz.sh dedups by it).
    public var signature: String { key.isEmpty ? check : "\(check) \(key)" }

    public var description: String { "\(check): \(detail)" }
}

/// Lower-case hex without separators (`4889c8`), the form `difftest repro` takes.
public func fuzzHex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
