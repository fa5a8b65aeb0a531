import Testing
import X86Decoder
import X86Emulator

/// The emulator against this CPU (AMD profile): register-only forms through the native stub.
/// 8-bit ALU, shift and rotate forms exhaustively over operand pairs / counts and CF; wider
/// forms on seeded random operands. A failure lists the first disagreeing cases.
@Suite struct CPUComparisonTests {
    /// All (AL, CL) pairs, with CF clear and the other status flags clear, and with CF set and
    /// all status flags set.
    static func bytePairs() -> [NativeCPU.Context] {
        var out: [NativeCPU.Context] = []
        out.reserveCapacity(131_072)
        for a in 0..<256 {
            for b in 0..<256 {
                out.append(.init(rax: 0x1122_3344_5566_7700 | UInt64(a), rcx: 0x99AA_BBCC_DDEE_FF00 | UInt64(b), flags: 0x202))
                out.append(.init(rax: 0x1122_3344_5566_7700 | UInt64(a), rcx: 0x99AA_BBCC_DDEE_FF00 | UInt64(b), flags: 0x202 | 0x8D5))
            }
        }
        return out
    }

    static let aluOpcodes: [(String, UInt8)] = [
        ("add", 0x00), ("or", 0x08), ("adc", 0x10), ("sbb", 0x18), ("and", 0x20), ("sub", 0x28), ("xor", 0x30), ("cmp", 0x38), ("test", 0x84),
    ]

    @Test(arguments: aluOpcodes) func alu8Exhaustive(_ form: (String, UInt8)) {
        var c = NativeComparison()
        c.compare([form.1, 0xC8], Self.bytePairs())  // op al, cl
        #expect(c.mismatchCount == 0, "\(form.0) al, cl: \(c.mismatchCount) of \(c.compared) differ\n\(c.report)")
    }

    static let unary8: [(String, [UInt8])] = [
        ("inc al", [0xFE, 0xC0]), ("dec al", [0xFE, 0xC8]), ("neg al", [0xF6, 0xD8]), ("not al", [0xF6, 0xD0]),
        ("mul cl", [0xF6, 0xE1]), ("imul cl", [0xF6, 0xE9]), ("div cl", [0xF6, 0xF1]), ("idiv cl", [0xF6, 0xF9]),
    ]

    @Test(arguments: unary8) func unary8Exhaustive(_ form: (String, [UInt8])) {
        var c = NativeComparison()
        // div/idiv: skip divisors that fault (#DE is not caught by the stub).
        let contexts = Self.bytePairs().filter { ctx in
            let d = ctx.r[1] & 0xFF
            if form.0.hasPrefix("div") { return d != 0 && (ctx.r[0] & 0xFFFF) / d <= 0xFF }
            if form.0.hasPrefix("idiv") {
                guard d != 0 else { return false }
                let q = Int(Int16(truncatingIfNeeded: ctx.r[0])) / Int(Int8(truncatingIfNeeded: d))
                return q >= -128 && q <= 127
            }
            return true
        }
        c.compare(form.1, contexts)
        #expect(c.mismatchCount == 0, "\(form.0): \(c.mismatchCount) of \(c.compared) differ\n\(c.report)")
    }

    /// All values of AL, CL counts 0–255 (masked to 0–31), CF 0/1 with the other flags clear/set.
    static func shiftInputs() -> [NativeCPU.Context] {
        var out: [NativeCPU.Context] = []
        for a in 0..<256 {
            for count in 0..<64 {
                out.append(.init(rax: 0xAB00 | UInt64(a), rcx: UInt64(count), flags: 0x202))
                out.append(.init(rax: 0xAB00 | UInt64(a), rcx: UInt64(count), flags: 0x202 | 0x8D5))
            }
        }
        return out
    }

    static let shiftNames = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"]

    @Test(arguments: 0..<8) func shift8Exhaustive(_ kind: Int) {
        var c = NativeComparison()
        c.compare([0xD2, UInt8(0xC0 | kind << 3)], Self.shiftInputs())  // op al, cl
        c.compare([0xD0, UInt8(0xC0 | kind << 3)], Self.shiftInputs().filter { $0.r[1] == 0 })  // op al, 1
        #expect(c.mismatchCount == 0, "\(Self.shiftNames[kind]) al: \(c.mismatchCount) of \(c.compared) differ\n\(c.report)")
    }
}
