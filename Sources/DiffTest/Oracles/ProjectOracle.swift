import X86Decoder

/// The system under test: the project's own decoder, as a decode oracle.
public final class ProjectOracle: DecodeOracle {
    public let name = "project"
    public var version: String { DiffTestVersion.current }

    public init() {}

    public func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, address: UInt64) -> DecodeAnswer {
        Self.answer(X86Decoder(mode: mode, vendor: vendor).decode(bytes, address: address))
    }

    public func length(_ bytes: UnsafeRawBufferPointer, mode: Mode, vendor: Vendor) -> Int? {
        X86Decoder(mode: mode, vendor: vendor).length(of: bytes).length
    }

    /// A decode result in the shared model.
    public static func answer(_ result: DecodeResult) -> DecodeAnswer {
        switch result {
        case .invalid(let reason): return .invalid(reason.name)
        case .valid(let instruction): return answer(instruction)
        }
    }

    /// The project's instruction in the shared model (it is already in canonical form).
    public static func answer(_ i: Instruction) -> DecodeAnswer {
        var operands: [OperandAnswer] = []
        operands.reserveCapacity(i.operandCount)
        for k in 0..<i.operandCount { operands.append(answer(i.operand(at: k))) }
        return DecodeAnswer(valid: true, length: i.length, mnemonic: i.mnemonic, operands: operands)
    }

    public static func answer(_ operand: Operand) -> OperandAnswer {
        switch operand {
        case .register(let r):
            return .reg(name(r), size: r.size)
        case .memory(let m):
            return OperandAnswer(
                kind: .memory, segment: name(m.segment), base: m.base.map(name), index: m.index.map(name), scale: Int(m.scale),
                displacement: m.displacement, size: m.size == 0 ? nil : Int(m.size))
        case .immediate(let value, let size):
            return OperandAnswer(kind: .immediate, size: Int(size), value: hex(value))
        case .relative(let target, _):
            return OperandAnswer(kind: .relative, target: hex(target))
        case .farPointer(let selector, let offset):
            return OperandAnswer(kind: .farPointer, value: "\(hex(UInt64(selector))):\(hex(UInt64(offset)))")
        }
    }

    /// True when `answer(result)` would compare equal to `theirs` (`compare` finds no field),
    /// decided without building it: both invalid, or the same instruction field by field. False
    /// only means "not shown equal here": the caller then builds the answer and compares.
    /// This is the campaign's common case (most oracles agree on most cases), so it allocates
    /// nothing: register names come from a table, immediates are compared as numbers.
    public static func agrees(_ result: DecodeResult, with theirs: DecodeAnswer) -> Bool {
        switch result {
        case .invalid: return !theirs.valid
        case .valid(let i): return matches(i, theirs)
        }
    }

    /// `answer(i) == theirs`, without building `answer(i)`.
    static func matches(_ i: Instruction, _ a: DecodeAnswer) -> Bool {
        guard a.valid, a.reason == nil, a.length == i.length, a.operands.count == i.operandCount, a.mnemonic == i.mnemonic
        else { return false }
        for k in 0..<i.operandCount where !matches(i.operand(at: k), a.operands[k]) { return false }
        return true
    }

    static func matches(_ operand: Operand, _ a: OperandAnswer) -> Bool {
        switch operand {
        case .register(let r):
            return a.kind == .register && a.register == name(r) && a.size == r.size && a.segment == nil && a.base == nil
                && a.index == nil && a.scale == nil && a.displacement == nil && a.value == nil && a.target == nil
        case .memory(let m):
            return a.kind == .memory && a.register == nil && a.segment == name(m.segment) && a.base == m.base.map(name)
                && a.index == m.index.map(name) && a.scale == Int(m.scale) && a.displacement == m.displacement
                && a.size == (m.size == 0 ? nil : Int(m.size)) && a.value == nil && a.target == nil
        case .immediate(let value, let size):
            return a.kind == .immediate && a.size == Int(size) && a.value.map { isHex($0, value) } == true && a.register == nil
                && a.segment == nil && a.base == nil && a.index == nil && a.scale == nil && a.displacement == nil && a.target == nil
        case .relative(let target, _):
            return a.kind == .relative && a.target.map { isHex($0, target) } == true && a.register == nil && a.segment == nil
                && a.base == nil && a.index == nil && a.scale == nil && a.displacement == nil && a.size == nil && a.value == nil
        case .farPointer:
            return a == answer(operand)
        }
    }

    /// Register names by class and number, made once from `Register.name` (which formats
    /// `r9d`, `xmm17` … on every call).
    static let registerNames: [[String]] = (0...UInt8.max).prefix { Register.Class(rawValue: $0) != nil }.map { c in
        (0..<32).map { Register(Register.Class(rawValue: c)!, UInt8($0)).name }
    }

    @inline(__always)
    static func name(_ r: Register) -> String {
        Int(r.number) < 32 ? registerNames[Int(r.regClass.rawValue)][Int(r.number)] : r.name
    }

    /// `0x` and lower-case hex digits without leading zeros (`0x0`, `0xfffffffffffffff0`):
    /// the form every oracle's immediates and targets are normalized to.
    public static func hex(_ v: UInt64) -> String { Normalization.hex(v) }

    /// `text == hex(v)`, without building `hex(v)`.
    static func isHex(_ text: String, _ v: UInt64) -> Bool {
        var utf8 = text.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "0"), utf8.next() == UInt8(ascii: "x") else { return false }
        var x: UInt64 = 0
        var digits = 0
        while let c = utf8.next() {
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            default: return false
            }
            if digits == 0 && d == 0 && x == 0 && text.utf8.count > 3 { return false }  // a leading zero
            digits += 1
            guard digits <= 16 else { return false }
            x = x << 4 | UInt64(d)
        }
        return digits > 0 && x == v
    }
}

/// The tool's version, for reports (bumped by hand with each release).
public enum DiffTestVersion {
    public static let current = "0.1.0"
}
