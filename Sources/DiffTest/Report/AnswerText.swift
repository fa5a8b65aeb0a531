import X86Decoder

/// Human-readable renderings of answers, shared by `decode` and `repro`.
public enum AnswerText {
    /// `48 89 c8  len 3  mov rax, rcx` or `0f ff  invalid (unknown-opcode)`.
    public static func line(bytes: [UInt8], answer: DecodeAnswer) -> String {
        let shown = Hex.string(bytes.prefix(answer.length ?? bytes.count), separator: " ")
        guard answer.valid, let length = answer.length else { return "\(shown)  invalid (\(answer.reason ?? "?"))" }
        return "\(shown)  len \(length)  \(instruction(answer))"
    }

    /// `mov rax, qword ptr ds:[rbx+rcx*4+0x10]`.
    public static func instruction(_ a: DecodeAnswer) -> String {
        let ops = a.operands.map(operand).joined(separator: ", ")
        return ops.isEmpty ? (a.mnemonic ?? "?") : "\(a.mnemonic ?? "?") \(ops)"
    }

    public static func operand(_ o: OperandAnswer) -> String {
        switch o.kind {
        case .register: return o.register ?? "?"
        case .immediate: return o.value ?? "?"
        case .relative: return o.target ?? "?"
        case .farPointer: return o.value ?? "?"
        case .memory:
            var parts: [String] = []
            if let b = o.base { parts.append(b) }
            if let i = o.index { parts.append("\(i)*\(o.scale ?? 1)") }
            let d = o.displacement ?? 0
            if d != 0 || parts.isEmpty {
                let magnitude = "0x" + String(d.magnitude, radix: 16)
                parts.append(parts.isEmpty ? (d < 0 ? "-" + magnitude : magnitude) : (d < 0 ? "- " + magnitude : "+ " + magnitude))
            }
            var text = ""
            for (k, p) in parts.enumerated() {
                text += k == 0 ? p : (p.hasPrefix("- ") || p.hasPrefix("+ ") ? " " + p : " + " + p)
            }
            let size = o.size.map { sizeName($0) + " " } ?? ""
            return "\(size)\(o.segment ?? "ds"):[\(text)]"
        }
    }

    static func sizeName(_ bytes: Int) -> String {
        switch bytes {
        case 1: "byte"
        case 2: "word"
        case 4: "dword"
        case 6: "fword"
        case 8: "qword"
        case 10: "tbyte"
        case 16: "xmmword"
        case 32: "ymmword"
        case 64: "zmmword"
        default: "m\(bytes * 8)"
        }
    }

    /// `prefixes 66 | rex 48 | opcode 0f b7 | modrm 04 | sib 24 | disp 10 | imm -`.
    public static func segments(bytes: [UInt8], layout l: EncodingLayout, length: Int) -> String {
        func seg(_ offset: UInt8, _ size: UInt8) -> String {
            size == 0 ? "-" : Hex.string(bytes[Int(offset)..<Int(offset) + Int(size)], separator: " ")
        }
        var parts = ["prefixes \(seg(0, l.prefixCount))"]
        if l.rexSize > 0 { parts.append("rex \(seg(l.rexOffset, l.rexSize))") }
        if l.vexSize > 0 { parts.append("vex \(seg(l.vexOffset, l.vexSize))") }
        parts.append("opcode \(seg(l.opcodeOffset, l.opcodeSize))")
        parts.append("modrm \(seg(l.modrmOffset, l.modrmSize))")
        parts.append("sib \(seg(l.sibOffset, l.sibSize))")
        parts.append("disp \(seg(l.displacementOffset, l.displacementSize))")
        var imm = seg(l.immediateOffset, l.immediateSize)
        if l.immediate2Size > 0 { imm += " " + seg(l.immediate2Offset, l.immediate2Size) }
        parts.append("imm \(imm)")
        return parts.joined(separator: " | ")
    }
}
