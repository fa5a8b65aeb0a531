/// One field on which two decode answers disagree, named the way findings and known-bug
/// matchers name it: `valid`, `length`, `mnemonic`, `operands.count`, or
/// `operand[N].kind` / `.register` / `.segment` / `.base` / `.index` / `.scale` /
/// `.displacement` / `.size` / `.value` / `.target` (N from 0, destination first).
public struct FieldDifference: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    /// The two values as text (`nil` shown as "-").
    public var left: String
    public var right: String

    public init(field: String, left: String, right: String) {
        self.field = field
        self.left = left
        self.right = right
    }

    public var description: String { "\(field): \(left) vs \(right)" }

    /// The field name without the operand number: `operand[2].base` -> `operand.base`.
    public var fieldKind: String { Self.kind(of: field) }

    /// `fieldKind` of a field name, without making a FieldDifference.
    public static func kind(of field: String) -> String {
        guard field.hasPrefix("operand["), let close = field.utf8.firstIndex(of: UInt8(ascii: "]")) else { return field }
        let part = field[field.utf8.index(after: close)...]
        // The usual parts as literals: "operand.register" is too long for an inline string, and
        // matchers ask for the kind of a field many times per lookup.
        switch part {
        case ".kind": return "operand.kind"
        case ".register": return "operand.register"
        case ".segment": return "operand.segment"
        case ".base": return "operand.base"
        case ".index": return "operand.index"
        case ".scale": return "operand.scale"
        case ".displacement": return "operand.displacement"
        case ".size": return "operand.size"
        case ".value": return "operand.value"
        case ".target": return "operand.target"
        default: return "operand" + part
        }
    }

    /// The operand number of an `operand[N].…` field, else nil.
    public var operandIndex: Int? {
        guard field.hasPrefix("operand["), let close = field.firstIndex(of: "]") else { return nil }
        return Int(field[field.index(field.startIndex, offsetBy: 8)..<close])
    }
}

/// The fields on which `a` and `b` differ, in a fixed order. When either answer is invalid only
/// `valid` is compared (an invalid answer has no length or operands to compare); when the
/// lengths differ only `valid` and `length` (everything after the first byte that is read
/// differently would differ too, and say nothing new). Both answers first go through
/// `Normalization.finish`, the rules every oracle shares (x87 ST(0)), so an answer built
/// without it (the project's) compares like one built with it.
public func compare(_ a: DecodeAnswer, _ b: DecodeAnswer) -> [FieldDifference] {
    var a = a
    var b = b
    Normalization.finish(&a)
    Normalization.finish(&b)
    var out: [FieldDifference] = []
    // Field names and value texts are built only for the fields that differ.
    func add(_ field: String, _ x: String?, _ y: String?) { out.append(FieldDifference(field: field, left: x ?? "-", right: y ?? "-")) }
    func text(_ v: Int?) -> String? { v.map { String($0) } }
    func text(_ v: Int64?) -> String? { v.map { String($0) } }
    if a.valid != b.valid { add("valid", String(a.valid), String(b.valid)) }
    guard a.valid && b.valid else { return out }
    if a.length != b.length { add("length", text(a.length), text(b.length)) }
    guard a.length == b.length else { return out }
    if a.mnemonic != b.mnemonic { add("mnemonic", a.mnemonic, b.mnemonic) }
    if a.operands.count != b.operands.count { add("operands.count", String(a.operands.count), String(b.operands.count)) }
    for (n, (x, y)) in zip(a.operands, b.operands).enumerated() {
        func name(_ part: String) -> String { "operand[" + String(n) + "]." + part }
        if x.kind != y.kind {
            add(name("kind"), x.kind.rawValue, y.kind.rawValue)
            continue
        }
        if x.register != y.register { add(name("register"), x.register, y.register) }
        if x.segment != y.segment { add(name("segment"), x.segment, y.segment) }
        if x.base != y.base { add(name("base"), x.base, y.base) }
        if x.index != y.index { add(name("index"), x.index, y.index) }
        if x.scale != y.scale { add(name("scale"), text(x.scale), text(y.scale)) }
        if x.displacement != y.displacement { add(name("displacement"), text(x.displacement), text(y.displacement)) }
        if x.size != y.size { add(name("size"), text(x.size), text(y.size)) }
        if x.value != y.value { add(name("value"), x.value, y.value) }
        if x.target != y.target { add(name("target"), x.target, y.target) }
    }
    return out
}
