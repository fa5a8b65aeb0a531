import X86Decoder
import X86Emulator

/// A registered bug of a peer execution oracle (Unicorn), with its evidence: the finding it
/// explains is counted under `known:<id>`, never silenced. Like `KnownOracleBug` for decode
/// oracles: an example case, what the oracle says, the truth and who says so (the CPU through
/// Tests/X86EmulatorTests/NativeCPU.swift, or another oracle).
public struct KnownExecutionBug: Sendable {
    public var id: String
    public var oracle: String
    public var summary: String
    /// Example: hex bytes; the state is the generator's (see `evidence`).
    public var example: String
    public var oracleSays: String
    public var truth: String
    public var evidence: String
    /// Field kinds it explains (`rflags.of`, `register`, …: a prefix of the field name).
    public var fields: [String]
    public var matches: @Sendable (_ c: Case, _ mnemonic: String, _ field: String, _ mine: ExecutionResult, _ theirs: ExecutionResult) -> Bool
}

public enum KnownExecutionBugs {
    /// The first registered bug of `oracle` that explains the difference in `field`, or nil.
    public static func lookup(oracle: String, case c: Case, mnemonic: String, field: String, mine: ExecutionResult,
                              theirs: ExecutionResult) -> KnownExecutionBug? {
        all.first { bug in
            bug.oracle == oracle && bug.fields.contains { field.hasPrefix($0) } && bug.matches(c, mnemonic, field, mine, theirs)
        }
    }

    /// A non-canonical address (bits 63..47 not all equal).
    static func nonCanonical(_ a: UInt64) -> Bool {
        let top = a >> 47
        return top != 0 && top != 0x1FFFF
    }

    static func address(_ r: ExecutionResult) -> UInt64? {
        r.exception?.address.flatMap { UInt64($0.dropFirst(2), radix: 16) }
    }

    /// The first opcode byte after legacy prefixes and REX, and the one after it.
    static func opcode(_ bytes: [UInt8]) -> (UInt8, UInt8?, UInt8?) {
        var k = 0
        while k < bytes.count, [0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65].contains(bytes[k]) || bytes[k] & 0xF0 == 0x40 { k += 1 }
        func at(_ i: Int) -> UInt8? { i < bytes.count ? bytes[i] : nil }
        return (at(k) ?? 0, at(k + 1), at(k + 2))
    }

    public static let all: [KnownExecutionBug] = [
        KnownExecutionBug(
            id: "unicorn-no-canonical-check", oracle: "unicorn",
            summary: "no canonical-address check: a data access or branch to a non-canonical address is a #PF at that address (or completes), where the CPU raises #GP(0)",
            example: "6648c3 (ret with a non-canonical return address on the stack); a1 + moffs64 0x7fffffffffffffff",
            oracleSays: "#PF at the non-canonical address",
            truth: "#GP(0), RIP not changed (SDM Vol. 1 3.3.7.1, Vol. 3 6.15 #GP: \"a linear address is not in canonical form\"; RET: #GP(0) if the return address is non-canonical)",
            evidence: "SDM; the emulator raises #GP(0) for both; the decode oracles agree on the instruction (the difference is in execution only).",
            fields: ["exception"],
            matches: { _, _, _, mine, theirs in
                guard mine.exception?.vector == "GP" || mine.exception?.vector == "SS" else { return false }
                if theirs.exception?.vector == "PF", let a = address(theirs) { return nonCanonical(a) }
                return theirs.outcome == .completed && nonCanonical(theirs.state.rip)
            }),
        KnownExecutionBug(
            id: "unicorn-int1-ud", oracle: "unicorn",
            summary: "INT1/ICEBP (F1) raises #UD instead of #DB",
            example: "f1", oracleSays: "#UD", truth: "#DB (SDM Vol. 2 INT n/INTO/INT3/INT1: \"INT1 ... generates a debug exception\")",
            evidence: "SDM; Capstone and Zydis decode f1 as int1; the emulator raises #DB.",
            fields: ["exception"],
            matches: { c, _, _, mine, theirs in
                opcode(c.bytes).0 == 0xF1 && mine.exception?.vector == "DB" && theirs.exception?.vector == "UD"
            }),
        KnownExecutionBug(
            id: "unicorn-executes-undefined-encodings", oracle: "unicorn",
            summary: "executes encodings the CPU rejects with #UD: C6/C7 with ModRM.reg ≠ 0 (except XABORT/XBEGIN), 8F with reg ≠ 0, FE with reg ≥ 2, FF /7, 0F BA /0-/3, UD1 (0F B9), UD0 (0F FF), 0F A6/A7, GETSEC (0F 37) at CPL3, REP/66 on forms without that prefix",
            example: "f3c6c85b, 668fd9, 4d0fff93, f2420fb91b, 4b8f64a480, f243ff7ca4f9, 660fba93ffffff", oracleSays: "completed (as some other form), or #PF from the memory operand (computed before its #UD check)",
            truth: "#UD (SDM Vol. 2 Appendix A opcode map: the group encodings are undefined; UD0/UD1 \"raise invalid opcode exception\")",
            evidence: "SDM opcode maps; the project decoder, Capstone and Zydis reject or decode these as UD0/UD1; the emulator raises #UD.",
            fields: ["exception"],
            matches: { c, _, _, mine, theirs in
                guard mine.exception?.vector == "UD", theirs.outcome == .completed || theirs.exception?.vector == "PF" else { return false }
                let (op, next, third) = opcode(c.bytes)
                let reg = (op == 0x0F ? third : next).map { $0 >> 3 & 7 } ?? 0
                switch op {
                case 0xC6, 0xC7: return reg != 0
                case 0x8F: return reg != 0
                case 0xFE: return reg >= 2
                case 0xFF: return reg == 7
                case 0x0F: return next.map { [0xB9, 0xFF, 0xA6, 0xA7, 0x37].contains($0) || ($0 == 0xBA && reg < 4) } ?? false
                default: return false
                }
            }),
        KnownExecutionBug(
            id: "unicorn-null-ss", oracle: "unicorn",
            summary: "SS and CS read as 0 (Unicorn starts with null selectors); the Linux x86-64 user-mode SS is 0x2b, CS 0x33",
            example: "668c517c (mov [rcx+0x7c], ss), f3488ccf (mov rdi, cs)", oracleSays: "0x0000",
            truth: "SS 0x002b, CS 0x0033 on Linux x86-64 (arch/x86/include/asm/segment.h __USER_DS, __USER_CS)",
            evidence: "Linux __USER_DS = 0x2b, __USER_CS = 0x33; the emulator's Linux profile; the CPU in the native sandbox reads 0x2b and 0x33.",
            fields: ["memory", "register"],
            matches: { c, _, _, _, _ in
                let (op, next, _) = opcode(c.bytes)
                return op == 0x8C && next.map { $0 >> 3 & 7 == 2 || $0 >> 3 & 7 == 1 } == true
            }),
    ] + unicornSemantics
}
