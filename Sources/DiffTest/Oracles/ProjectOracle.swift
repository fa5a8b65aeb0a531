import X86Decoder

/// The system under test: the project's own decoder, as a decode oracle.
public final class ProjectOracle: DecodeOracle {
    public let name = "project"
    public var version: String { DiffTestVersion.current }

    public init() {}

    public func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, address: UInt64) -> DecodeAnswer {
        switch X86Decoder(mode: mode, vendor: vendor).decode(bytes, address: address) {
        case .invalid(let reason): return .invalid(reason.name)
        case .valid(let instruction): return Self.answer(instruction)
        }
    }

    public func length(_ bytes: UnsafeRawBufferPointer, mode: Mode, vendor: Vendor) -> Int? {
        X86Decoder(mode: mode, vendor: vendor).length(of: bytes).length
    }

    /// The project's instruction in the shared model (it is already in canonical form).
    public static func answer(_ i: Instruction) -> DecodeAnswer {
        var operands: [OperandAnswer] = []
        for k in 0..<i.operandCount { operands.append(answer(i.operand(at: k))) }
        return DecodeAnswer(valid: true, length: i.length, mnemonic: i.mnemonic, operands: operands)
    }

    public static func answer(_ operand: Operand) -> OperandAnswer {
        switch operand {
        case .register(let r):
            return .reg(r.name, size: r.size)
        case .memory(let m):
            return OperandAnswer(
                kind: .memory, segment: m.segment.name, base: m.base?.name, index: m.index?.name, scale: Int(m.scale),
                displacement: m.displacement, size: m.size == 0 ? nil : Int(m.size))
        case .immediate(let value, let size):
            return OperandAnswer(kind: .immediate, size: Int(size), value: hex(value))
        case .relative(let target, _):
            return OperandAnswer(kind: .relative, target: hex(target))
        case .farPointer(let selector, let offset):
            return OperandAnswer(kind: .farPointer, value: "\(hex(UInt64(selector))):\(hex(UInt64(offset)))")
        }
    }

    public static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
}

/// The tool's version, for reports (bumped by hand with each release).
public enum DiffTestVersion {
    public static let current = "0.1.0"
}
