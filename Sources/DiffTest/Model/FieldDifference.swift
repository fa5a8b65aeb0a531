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
    public var fieldKind: String {
        guard field.hasPrefix("operand["), let close = field.firstIndex(of: "]") else { return field }
        return "operand" + field[field.index(after: close)...]
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
    func check<T: Equatable>(_ field: String, _ x: T?, _ y: T?) {
        if x != y { out.append(FieldDifference(field: field, left: x.map { "\($0)" } ?? "-", right: y.map { "\($0)" } ?? "-")) }
    }
    check("valid", a.valid, b.valid)
    guard a.valid && b.valid else { return out }
    check("length", a.length, b.length)
    guard a.length == b.length else { return out }
    check("mnemonic", a.mnemonic, b.mnemonic)
    check("operands.count", a.operands.count, b.operands.count)
    for (n, (x, y)) in zip(a.operands, b.operands).enumerated() {
        let p = "operand[\(n)]."
        check(p + "kind", x.kind.rawValue, y.kind.rawValue)
        guard x.kind == y.kind else { continue }
        check(p + "register", x.register, y.register)
        check(p + "segment", x.segment, y.segment)
        check(p + "base", x.base, y.base)
        check(p + "index", x.index, y.index)
        check(p + "scale", x.scale, y.scale)
        check(p + "displacement", x.displacement, y.displacement)
        check(p + "size", x.size, y.size)
        check(p + "value", x.value, y.value)
        check(p + "target", x.target, y.target)
    }
    return out
}
