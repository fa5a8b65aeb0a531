import Testing
import X86Decoder
import X86Emulator

/// 16/32/64-bit forms on seeded random operands (edge values mixed in), against the CPU.
extension CPUComparisonTests {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func operand() -> UInt64 {
            let r = next()
            switch r % 8 {
            case 0: return [0, 1, ~0, 0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x8000, 0xFFFF, 0x80][Int(next() % 10)]
            case 1: return next() & 0xFF
            case 2: return next() & 0xFFFF
            default: return next()
            }
        }
    }

    static func randomContexts(seed: UInt64, count: Int = 3000) -> [NativeCPU.Context] {
        var g = Generator(state: seed)
        return (0..<count).map { k in
            let a = g.operand()
            let b = g.operand()
            let c = g.next() % 4 == 0 ? a : g.operand()
            return NativeCPU.Context(rax: a, rcx: k % 3 == 0 ? b & 0xFF : b, rdx: c, rbx: k % 2 == 0 ? a : g.operand(), flags: 0x202 | g.next() & 0x8D5)
        }
    }

    /// A form in hex with `P` for the operand-size prefix slot (66, nothing, or REX.W 48).
    static let wideForms: [String] = {
        var f: [String] = []
        for op in ["01", "09", "11", "19", "21", "29", "31", "39", "85"] { f.append("P \(op) c8") }
        for k in 0..<8 { f += ["P 83 \(String(0xC0 | k << 3, radix: 16)) 85", "P 81 \(String(0xC0 | k << 3, radix: 16)) Z"] }
        for k in 0..<8 {
            let m = String(0xC0 | k << 3, radix: 16)
            f += ["P d3 \(m)", "P d1 \(m)", "P c1 \(m) 07", "P c1 \(m) 21"]
        }
        f += ["P f7 d8", "P f7 d0", "P ff c0", "P ff c8", "P f7 e1", "P f7 e9", "P 0f af c1", "P 6b c1 f3", "P 69 c1 Z"]
        f += ["P f7 f1", "P f7 f9", "P f7 f3", "P f7 fb"]
        f += ["P 0f a3 c8", "P 0f ab c8", "P 0f b3 c8", "P 0f bb c8", "P 0f ba e0 25", "P 0f ba e8 3f", "P 0f ba f0 11", "P 0f ba f8 05"]
        f += ["P 0f bc c1", "P 0f bd c1", "f3 P 0f bc c1", "f3 P 0f bd c1", "f3 P 0f b8 c1"]
        for cc in 0..<16 { f += ["P 0f \(String(0x40 | cc, radix: 16)) c1", "0f \(String(0x90 | cc, radix: 16)) c0"] }
        f += ["P 0f c1 c8", "P 0f b1 cb", "P 0f c8", "P 0f b6 c1", "P 0f b7 c1", "P 0f be c1", "P 0f bf c1", "P 63 c1"]
        f += ["P 98", "P 99", "9f", "9e", "P 87 cb", "P 0f a5 c8", "P 0f ad c8", "P 0f a4 c8 05", "P 0f ac c8 0d"]
        f += ["66 P 0f 38 f6 c1", "f3 P 0f 38 f6 c1", "f2 P 0f 38 f1 c1", "f2 P 0f 38 f0 c1", "P 8d 44 48 07"]
        return f
    }()

    /// VEX GPR forms: (map 2 = 0F38 / 3 = 0F3A, pp, opcode, ModRM, vvvv register, immediate).
    static let vexForms: [(String, Int, Int, UInt8, UInt8, Int, String)] = [
        ("andn", 2, 0, 0xF2, 0xC2, 1, ""), ("blsr", 2, 0, 0xF3, 0xCA, 0, ""), ("blsmsk", 2, 0, 0xF3, 0xD2, 0, ""),
        ("blsi", 2, 0, 0xF3, 0xDA, 0, ""), ("bzhi", 2, 0, 0xF5, 0xC1, 2, ""), ("pext", 2, 2, 0xF5, 0xC2, 1, ""),
        ("pdep", 2, 3, 0xF5, 0xC2, 1, ""), ("mulx", 2, 3, 0xF6, 0xD9, 1, ""), ("bextr", 2, 0, 0xF7, 0xC1, 2, ""),
        ("shlx", 2, 1, 0xF7, 0xC1, 2, ""), ("sarx", 2, 2, 0xF7, 0xC1, 2, ""), ("shrx", 2, 3, 0xF7, 0xC1, 2, ""),
        ("rorx", 3, 3, 0xF0, 0xC1, 0, "0d"),
    ]

    static func bytes(_ form: String, size: Int) -> [UInt8] {
        let prefix = size == 16 ? "66" : size == 64 ? "48" : ""
        let z: [UInt8] = size == 16 ? [0x12, 0xF0] : [0x12, 0xF0, 0x00, 0x80]  // Iz
        return form.split(separator: " ").flatMap { t -> [UInt8] in
            if t == "P" { return prefix.isEmpty ? [] : [UInt8(prefix, radix: 16)!] }
            if t == "Z" { return z }
            return [UInt8(t, radix: 16)!]
        }
    }

    @Test(arguments: [16, 32, 64]) func wideFormsRandom(_ size: Int) {
        var c = NativeComparison()
        var failures: [String] = []
        for (k, form) in Self.wideForms.enumerated() {
            let bytes = Self.bytes(form, size: size)
            var one = NativeComparison()
            var contexts = Self.randomContexts(seed: UInt64(k * 97 + size))
            if size == 16 && (form.contains("0f a5") || form.contains("0f ad")) {
                contexts = contexts.filter { $0.r[1] & 31 < 16 }  // counts past 16: undefined, reported unsupported
            }
            one.compare(bytes, contexts, skipFaulting: true)
            c.compared += one.compared
            if one.mismatchCount > 0 { failures.append("\(form) (\(one.mismatchCount)/\(one.compared)): \(one.mismatches.prefix(2).map(\.description).joined(separator: " | "))") }
        }
        #expect(failures.isEmpty, "\(size)-bit: \(failures.count) forms differ over \(c.compared) cases\n\(failures.joined(separator: "\n"))")
    }

    @Test(arguments: [false, true]) func vexFormsRandom(_ wide: Bool) {
        var failures: [String] = []
        for (k, form) in Self.vexForms.enumerated() {
            let (name, map, pp, opcode, modrm, vvvv, imm) = form
            var bytes: [UInt8] = [0xC4, UInt8(0xE0 | map), UInt8((wide ? 0x80 : 0) | (~vvvv & 15) << 3 | pp), opcode, modrm]
            if !imm.isEmpty { bytes.append(UInt8(imm, radix: 16)!) }
            var one = NativeComparison()
            one.compare(bytes, Self.randomContexts(seed: UInt64(k * 31 + (wide ? 1 : 0))))
            if one.mismatchCount > 0 { failures.append("\(name) (\(one.mismatchCount)/\(one.compared)): \(one.mismatches.prefix(2).map(\.description).joined(separator: " | "))") }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
