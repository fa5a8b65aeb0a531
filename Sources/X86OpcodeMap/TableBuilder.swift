import X86Decoder

/// Builds the packed decode tree, forms and mnemonic list from parsed map lines.
/// See X86Decoder/TableFormat.swift for the layout.
public struct TableBuilder {
    public private(set) var nodes: [UInt32]
    public private(set) var forms: [UInt64] = []
    public private(set) var formOperands: [UInt64] = []
    public private(set) var mnemonics: [String]
    public private(set) var errors: [MapError] = []

    private var formIndex: [FormKey: Int] = [:]
    private var blockIndex: [[UInt32]: Int] = [:]
    private var mnemonicIndex: [String: Int] = [:]

    private struct FormKey: Hashable {
        var packed: UInt64
        var operands: UInt64
    }

    public init(lines: [MapLine]) {
        mnemonics = Array(Set(lines.map(\.mnemonic))).sorted()
        mnemonics.insert("(invalid)", at: 0)
        for (i, m) in mnemonics.enumerated() { mnemonicIndex[m] = i }
        nodes = Array(repeating: NodeLayout.invalid(.unknownOpcode), count: OpcodeMap.allCases.count * 256)

        var byRoot: [Int: [MapLine]] = [:]
        for line in lines { byRoot[Int(line.map.rawValue) * 256 + Int(line.opcode), default: []].append(line) }
        for root in byRoot.keys.sorted() {
            let group = byRoot[root]!
            if let entry = build(group, level: 0) { nodes[root] = entry }
        }
    }

    /// Returns the entry for `lines` at switch level `level` (an index into SwitchKind.nestingOrder).
    private mutating func build(_ lines: [MapLine], level: Int) -> UInt32? {
        let kinds = SwitchKind.nestingOrder
        var level = level
        while level < kinds.count, !lines.contains(where: { $0.selectors[kinds[level]] != nil }) { level += 1 }
        if level == kinds.count { return leaf(lines) }
        let kind = kinds[level]
        // A switch entry promises a ModRM byte only when every encoding below it has one (the
        // decoder reads it on reaching the entry); switches on mod/reg/rm need it settled.
        let modrm = lines.allSatisfy(\.hasModRM)
        if [.mod, .reg, .rm].contains(kind), lines.contains(where: { !$0.hasModRM }) {
            let a = lines.first(where: \.hasModRM)!, b = lines.first(where: { !$0.hasModRM })!
            errors.append(MapError(b.location, "ModRM presence differs from \(a.location) for the same encoding"))
            return nil
        }
        var children: [UInt32] = []
        for value in 0..<kind.fanOut {
            let sub = lines.filter { $0.selectors[kind] == nil || $0.selectors[kind] == value }
            if sub.isEmpty {
                children.append(NodeLayout.invalid(Self.reason(for: kind, lines: lines)))
            } else if let child = build(sub, level: level + 1) {
                children.append(child)
            } else {
                return nil
            }
        }
        let d64 = lines.contains { $0.flags.contains(.d64) }
        let f64 = lines.contains { $0.flags.contains(.f64) }
        return NodeLayout.switchNode(kind, child: block(children), modrm: modrm, d64: d64, f64: f64)
    }

    private mutating func leaf(_ lines: [MapLine]) -> UInt32? {
        let best = lines.map(\.specificity).max()!
        let winners = lines.filter { $0.specificity == best }
        if winners.count > 1 {
            let where_ = winners.map(\.location).joined(separator: " and ")
            errors.append(MapError(winners[0].location, "ambiguous: \(where_) match the same encoding with equal specificity"))
            return nil
        }
        let line = winners[0]
        return NodeLayout.leaf(form(line), modrm: line.hasModRM)
    }

    private mutating func form(_ line: MapLine) -> Int {
        let packed = FormLayout.pack(
            mnemonic: mnemonicIndex[line.mnemonic]!, immediate: line.immediate, flags: line.flags, tuple: line.tuple,
            operandCount: line.operands.count)
        var ops: UInt64 = 0
        for (i, op) in line.operands.enumerated() { ops |= op.packed << (UInt64(i) * 12) }
        let key = FormKey(packed: packed, operands: ops)
        if let i = formIndex[key] { return i }
        forms.append(packed)
        formOperands.append(ops)
        formIndex[key] = forms.count - 1
        return forms.count - 1
    }

    /// Appends a child block, sharing an identical one already emitted.
    private mutating func block(_ children: [UInt32]) -> Int {
        if let i = blockIndex[children] { return i }
        let i = nodes.count
        nodes += children
        blockIndex[children] = i
        return i
    }

    private static func reason(for kind: SwitchKind, lines: [MapLine]) -> InvalidReason {
        switch kind {
        case .mode: .invalidInMode
        case .prefix: .badMandatoryPrefix
        case .mod: .invalidModRM
        case .w, .l, .vendor, .operandSize, .addressSize: .invalidEncoding
        case .reg, .rm, .rexB: .unknownOpcode
        }
    }
}
