import X86Decoder
import X86Emulator

/// What the SDM leaves undefined per instruction family, masked out of cross-oracle execution
/// comparisons (a peer emulator or another vendor's CPU may set them any way). The families and
/// their undefined flags are the ones the emulator documents at the top of its Execute+*.swift
/// files:
/// - AND OR XOR TEST: AF (Execute+Arithmetic);
/// - MUL IMUL: SF ZF AF PF; DIV IDIV: all six (Execute+MulDiv);
/// - shifts and SHLD/SHRD: AF, and OF when the masked count is not 1, and CF of SHL/SHR when the
///   masked count is ≥ the operand width; rotates: OF when the masked count is not 1
///   (Execute+Shift). SHLD/SHRD of 16-bit operands with a count > 16 also leave
///   the destination undefined (the emulator says `unsupported`);
/// - BT BTS BTR BTC: OF SF AF PF; BSF BSR: CF OF SF AF PF (and the destination when the source
///   is 0, on Intel); TZCNT LZCNT: OF SF AF PF (Execute+Bits);
/// - ANDN BLSI BLSMSK BLSR BZHI: AF PF; BEXTR: SF AF PF (Execute+BMI);
/// - BSWAP with a 16-bit operand size (66, no REX.W): the destination register (Execute+Move;
///   the whole register, as an implementation may write it at any width: Unicorn zero-extends a
///   32-bit swap, Zen 4 clears the low word);
/// - RDTSC RDTSCP RDRAND RDSEED RDPID CPUID RDPMC XGETBV: not deterministic or host-specific,
///   compared on the exception class only (every GPR and status flag masked).
/// The masked count needs the count operand: CL from the initial state or the immediate.
public enum UndefinedEffects {
    public struct Mask: Sendable, Equatable {
        public var flags: UInt64 = 0
        /// GPRs (by number) whose value is undefined after the instruction.
        public var registers: [Int] = []
    }

    public static func mask(_ i: Instruction, state: CPUState) -> Mask {
        let status = RFlags.status
        var m = Mask()
        switch i.mnemonic {
        case "and", "or", "xor", "test": m.flags = RFlags.adjust
        case "mul", "imul": m.flags = RFlags.sign | RFlags.zero | RFlags.adjust | RFlags.parity
        case "div", "idiv": m.flags = status
        case "shl", "sal", "shr", "sar", "shld", "shrd":
            m.flags = RFlags.adjust
            let count = maskedCount(i, state: state)
            if count != 1 { m.flags |= RFlags.overflow }
            // SHL/SHR: CF is undefined when the count is ≥ the operand width (SDM Vol. 2 SAL/SAR/
            // SHL/SHR, Flags Affected), which the 5-bit mask allows for 8/16-bit operands.
            if ["shl", "sal", "shr"].contains(i.mnemonic), let count, let width = operandWidth(i), count >= width {
                m.flags |= RFlags.carry
            }
        case "rol", "ror", "rcl", "rcr":
            if maskedCount(i, state: state) != 1 { m.flags |= RFlags.overflow }
        case "bt", "bts", "btr", "btc": m.flags = RFlags.overflow | RFlags.sign | RFlags.adjust | RFlags.parity
        case "bsf", "bsr":
            m.flags = RFlags.carry | RFlags.overflow | RFlags.sign | RFlags.adjust | RFlags.parity
            if case .register(let r) = i.operand(at: 0) { m.registers = [Int(r.number)] }
        case "tzcnt", "lzcnt": m.flags = RFlags.overflow | RFlags.sign | RFlags.adjust | RFlags.parity
        case "andn", "blsi", "blsmsk", "blsr", "bzhi": m.flags = RFlags.adjust | RFlags.parity
        case "bextr": m.flags = RFlags.sign | RFlags.adjust | RFlags.parity
        case "rdtsc", "rdtscp", "rdrand", "rdseed", "rdpid", "cpuid", "rdpmc", "xgetbv":
            // Not deterministic or host-specific (DESIGN.md, native sandbox rules): compared on
            // the exception class only.
            m.flags = status
            m.registers = Array(0..<16)
        case "bswap":
            // The decoder names the 32-bit register for `66 0f c8+r` (BSWAP has no 16-bit
            // register form to print); the operand size says it is the undefined 16-bit form.
            if case .register(let r) = i.operand(at: 0), r.size == 2 || i.operandSize == 16 { m.registers = [Int(r.number)] }
        default: break
        }
        return m
    }

    /// The destination's width in bits, or nil.
    static func operandWidth(_ i: Instruction) -> UInt64? {
        switch i.operand(at: 0) {
        case .register(let r): return UInt64(r.size) * 8
        case .memory(let mem): return UInt64(mem.size) * 8
        default: return nil
        }
    }

    /// The shift/rotate count after masking (5 bits, 6 for 64-bit operands); nil when unknown.
    static func maskedCount(_ i: Instruction, state: CPUState) -> UInt64? {
        let dst = i.operand(at: 0)
        let size: Int
        switch dst {
        case .register(let r): size = Int(r.size)
        case .memory(let mem): size = Int(mem.size)
        default: return nil
        }
        let src = i.operandCount >= 3 ? i.operand(at: 2) : i.operandCount >= 2 ? i.operand(at: 1) : nil
        var count: UInt64 = 1
        switch src {
        case .immediate(let v, _): count = v
        case .register(let r) where r.name == "cl": count = state.gpr[1] & 0xFF
        case nil: count = 1
        default: return nil
        }
        return count & (size == 8 ? 63 : 31)
    }
}
