import X86Decoder

/// Field-by-field comparison of two decoded instructions (`Instruction` is not Equatable: it
/// holds its operands inline). Nil when they are the same instruction, else the first field
/// that differs with both values.
public func instructionDifference(_ a: Instruction, _ b: Instruction) -> String? {
    var d: String?
    func diff<T: Equatable>(_ name: String, _ x: T, _ y: T) {
        if d == nil && x != y { d = "\(name): \(x) vs \(y)" }
    }
    diff("mode", a.mode, b.mode)
    diff("vendor", a.vendor, b.vendor)
    diff("length", a.length, b.length)
    diff("map", a.map, b.map)
    diff("opcode", a.opcode, b.opcode)
    diff("encoding", a.encoding, b.encoding)
    diff("layout", a.layout, b.layout)
    diff("operandSize", a.operandSize, b.operandSize)
    diff("addressSize", a.addressSize, b.addressSize)
    diff("hasLock", a.hasLock, b.hasLock)
    diff("repPrefix", a.repPrefix, b.repPrefix)
    diff("segmentOverride", a.segmentOverride, b.segmentOverride)
    diff("evex", a.evex, b.evex)
    diff("mnemonic", a.mnemonicID, b.mnemonicID)
    diff("operandCount", a.operandCount, b.operandCount)
    if let d { return d }
    for k in 0..<a.operandCount where a.operand(at: k) != b.operand(at: k) {
        return "operand \(k): \(a.operand(at: k)) vs \(b.operand(at: k))"
    }
    return nil
}

/// Checks that the layout's segments tile `[0, length)` in order (prefixes, REX, VEX/EVEX/XOP,
/// opcode, ModRM, SIB, displacement, immediate, second immediate), each present segment
/// starting where the previous one ended. Nil when they do, else what is wrong.
public func layoutTilingProblem(_ l: EncodingLayout, length: Int) -> String? {
    let segments: [(String, UInt8, UInt8)] = [
        ("prefixes", 0, l.prefixCount), ("rex", l.rexOffset, l.rexSize), ("vex", l.vexOffset, l.vexSize),
        ("opcode", l.opcodeOffset, l.opcodeSize), ("modrm", l.modrmOffset, l.modrmSize), ("sib", l.sibOffset, l.sibSize),
        ("displacement", l.displacementOffset, l.displacementSize), ("immediate", l.immediateOffset, l.immediateSize),
        ("immediate2", l.immediate2Offset, l.immediate2Size),
    ]
    var at = 0
    for (name, offset, size) in segments where size > 0 {
        if Int(offset) != at { return "\(name) at offset \(offset), expected \(at) (\(l))" }
        at += Int(size)
    }
    if l.opcodeSize == 0 { return "no opcode segment (\(l))" }
    return at == length ? nil : "segments end at \(at), length is \(length) (\(l))"
}
