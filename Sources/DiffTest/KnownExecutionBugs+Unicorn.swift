import X86Decoder
import X86Emulator

/// Unicorn 2.0.1 bugs in instruction semantics, found by the execution campaign
/// (`difftest fuzz --oracle emulator,unicorn --vendor amd`) and settled by the CPU: each
/// example was run with `difftest native --exec --state …` on the Zen 4 host, where the
/// emulator and the CPU agree and Unicorn does not. Every matcher checks the instruction form
/// and, where it can, that Unicorn's value is exactly the one the bug predicts.
extension KnownExecutionBugs {
    /// The prefix bytes (legacy and REX) before the opcode.
    static func prefixes(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var k = 0
        while k < bytes.count, [0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65].contains(bytes[k]) || bytes[k] & 0xF0 == 0x40 { k += 1 }
        return bytes[..<k]
    }

    /// The REX byte, when it immediately precedes the opcode (otherwise the CPU ignores it).
    static func rex(_ bytes: [UInt8]) -> UInt8? {
        guard let last = prefixes(bytes).last, last & 0xF0 == 0x40 else { return nil }
        return last
    }

    /// True when 66 is present and REX.W is not (a 16-bit operand size).
    static func operandSize16(_ bytes: [UInt8]) -> Bool {
        prefixes(bytes).contains(0x66) && (rex(bytes) ?? 0) & 0x08 == 0
    }

    /// The opcode's ModRM byte for one-byte opcodes, or the byte after 0F xx for two-byte ones.
    static func modrm(_ bytes: [UInt8]) -> UInt8? {
        let (op, next, third) = opcode(bytes)
        return op == 0x0F ? third : next
    }

    /// A three-byte VEX (C4) instruction's fields: destination register (ModRM.reg with VEX.R),
    /// vvvv (un-inverted), W, pp, map, opcode and ModRM.
    static func vex3(_ bytes: [UInt8]) -> (reg: Int, vvvv: Int, w: Bool, pp: UInt8, map: UInt8, opcode: UInt8, modrm: UInt8)? {
        guard bytes.count >= 5, bytes[0] == 0xC4 else { return nil }
        let b1 = bytes[1], b2 = bytes[2], m = bytes[4]
        let reg = Int(m >> 3 & 7) | (b1 & 0x80 == 0 ? 8 : 0)
        return (reg, Int(~b2 >> 3 & 0xF), b2 & 0x80 != 0, b2 & 3, b1 & 0x1F, bytes[3], m)
    }

    /// The ModRM.rm register of a three-byte VEX instruction (register forms).
    static func vex3RM(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 5, bytes[0] == 0xC4, bytes[4] >> 6 == 3 else { return nil }
        return Int(bytes[4] & 7) | (bytes[1] & 0x20 == 0 ? 8 : 0)
    }

    static func deposit(_ v: UInt64, mask: UInt64) -> UInt64 {
        var r: UInt64 = 0, m = mask, k: UInt64 = 0
        while m != 0 {
            if (v >> k) & 1 != 0 { r |= m & (0 &- m) }
            m &= m &- 1
            k += 1
        }
        return r
    }

    static func extract(_ v: UInt64, mask: UInt64) -> UInt64 {
        var r: UInt64 = 0, m = mask, k: UInt64 = 0
        while m != 0 {
            if v & (m & (0 &- m)) != 0 { r |= 1 << k }
            m &= m &- 1
            k += 1
        }
        return r
    }

    static let unicornSemantics: [KnownExecutionBug] = [
        KnownExecutionBug(
            id: "unicorn-lahf-sahf-rex-spl", oracle: "unicorn",
            summary: "LAHF/SAHF with a REX prefix store to / load from SPL instead of AH (QEMU applies the REX byte-register rule to the implicit AH)",
            example: "489f (lahf), 489e (sahf)",
            oracleSays: "LAHF: AH unchanged, the flags byte in SPL; SAHF: flags from SPL",
            truth: "AH (SDM Vol. 2 LAHF/SAHF: the operand is always AH; REX has no effect)",
            evidence: "CPU: `429f` with RAX 0x1033e gives RAX 0x1423e (AH = flags), RSP unchanged; the emulator agrees.",
            fields: ["register.rax", "register.rsp", "rflags"],
            matches: { c, _, field, mine, theirs in
                let (op, _, _) = opcode(c.bytes)
                guard rex(c.bytes) != nil, mine.outcome == .completed, theirs.outcome == .completed else { return false }
                if op == 0x9F {
                    // Unicorn put the flags byte (what the CPU put in AH) in SPL.
                    return theirs.state.gpr[4] & 0xFF == (mine.state.gpr[0] >> 8) & 0xFF
                }
                if op == 0x9E {
                    // Unicorn loaded SF ZF AF PF CF from SPL (RSP is unchanged by SAHF).
                    return field.hasPrefix("rflags") && theirs.state.rflags & 0xD5 == mine.state.gpr[4] & 0xD5
                }
                return false
            }),
        KnownExecutionBug(
            id: "unicorn-rep-f2-before-f3", oracle: "unicorn",
            summary: "CMPS/SCAS with both F2 and F3, F3 last: Unicorn repeats as REPNE (F2 wins), the CPU as REPE (the last prefix wins)",
            example: "f2f3a7, f2f3ae",
            oracleSays: "REPNE: more iterations (RCX 0, or a #PF further on)",
            truth: "REPE (SDM Vol. 2 2.1.1: with several group-1 prefixes the behaviour is the last one's on current processors; measured)",
            evidence: "CPU: `f2 f3 ae` with RCX 0x7fffffff stops after one iteration (RCX 0x7ffffffe, ZF 0), as the emulator does; Unicorn ran on.",
            fields: ["register", "rflags", "exception", "rip", "memory"],
            matches: { c, _, _, _, _ in
                let (op, _, _) = opcode(c.bytes)
                guard [0xA6, 0xA7, 0xAE, 0xAF].contains(op) else { return false }
                let reps = prefixes(c.bytes).filter { $0 == 0xF2 || $0 == 0xF3 }
                return reps.contains(0xF2) && reps.last == 0xF3
            }),
        KnownExecutionBug(
            id: "unicorn-shift-memory-flags-with-write-hook", oracle: "unicorn",
            summary: "with a UC_HOOK_MEM_WRITE hook installed (the oracle needs it for writes), CF/OF after a shift by CL (D2/D3) or SHLD/SHRD (0F A4/A5/AC/AD) with a memory destination are wrong; without the hook Unicorn gets them right",
            example: "48d322 (shl qword [rdx], cl) with [rdx] = 0x459ce648c9c14c06, CL = 29",
            oracleSays: "CF 0", truth: "CF 1: bit 35 of the operand, the last one shifted out (SDM Vol. 2 SAL/SAR/SHL/SHR)",
            evidence: "CPU: RFLAGS 0xa12 -> 0xa17 (CF set), as the emulator; Unicorn 2.0.1 alone gives CF 1 without the write hook and CF 0 with it (C probe against libunicorn2).",
            fields: ["rflags.cf", "rflags.of"],
            matches: { c, _, _, mine, theirs in
                let (op, next, _) = opcode(c.bytes)
                guard let m = modrm(c.bytes), m >> 6 != 3, mine.outcome == .completed, theirs.outcome == .completed else { return false }
                if op == 0xD2 || op == 0xD3 { return true }
                return op == 0x0F && next.map { [0xA4, 0xA5, 0xAC, 0xAD].contains($0) } == true
            }),
        KnownExecutionBug(
            id: "unicorn-count0-shift-stores", oracle: "unicorn",
            summary: "a shift/rotate/SHLD/SHRD of a memory operand by a masked count of 0 stores the unchanged value back (QEMU's store is unconditional); the CPU changes nothing",
            example: "f248c02a60 (shr byte [rdx], 0x60: count & 31 = 0)",
            oracleSays: "a write of the unchanged bytes", truth: "no write (SDM Vol. 2 SAL/SAR/SHL/SHR: a count of 0 affects nothing)",
            evidence: "CPU: no memory change; the emulator reports no write. The bytes Unicorn writes are the ones already there (checked by the matcher).",
            fields: ["memory"],
            matches: { c, _, _, mine, theirs in
                let (op, next, _) = opcode(c.bytes)
                let shift = [0xC0, 0xC1, 0xD2, 0xD3].contains(op) || (op == 0x0F && next.map { [0xA4, 0xA5, 0xAC, 0xAD].contains($0) } == true)
                guard shift, let m = modrm(c.bytes), m >> 6 != 3, mine.writes.isEmpty, !theirs.writes.isEmpty,
                    let caseState = c.state, let state = try? MachineState(caseState: caseState)
                else { return false }
                let memory = RegionMemory(state.memory)
                return theirs.writes.allSatisfy { w in
                    w.bytes.enumerated().allSatisfy { k, b in memory.byte(at: w.address &+ UInt64(k)) == b }
                }
            }),
        KnownExecutionBug(
            id: "unicorn-missing-cpu-features", oracle: "unicorn",
            summary: "#UD for instructions its default CPU model lacks and this CPU (and Linux user mode) has: POPCNT (F3 0F B8), MOVBE (0F 38 F0/F1 without F2), RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (F3 0F AE /0-/3, register form), CLWB/CLFLUSHOPT (66 0F AE /6, /7 with memory)",
            example: "f30fb806, 0f38f007, f30faedb",
            oracleSays: "#UD", truth: "executes (CPUID on the Zen 4 host reports POPCNT, MOVBE, FSGSBASE; Linux ≥ 5.9 sets CR4.FSGSBASE)",
            evidence: "CPU: `f3 0f b8 06` completes with RAX = popcount, `66 43 0f ae 33` (CLWB) completes; the emulator agrees.",
            fields: ["exception"],
            matches: { c, _, _, mine, theirs in
                // WRFSBASE/WRGSBASE raise #GP(0) for a non-canonical base.
                guard mine.outcome == .completed || mine.exception?.vector == "GP", theirs.exception?.vector == "UD" else { return false }
                let (op, next, third) = opcode(c.bytes)
                let p = prefixes(c.bytes)
                guard op == 0x0F, let next else { return false }
                switch next {
                case 0xB8: return p.contains(0xF3) && mine.outcome == .completed
                case 0x38: return third.map { $0 == 0xF0 || $0 == 0xF1 } == true && !p.contains(0xF2) && mine.outcome == .completed
                case 0xAE:
                    guard let m = modrm(c.bytes) else { return false }
                    if p.contains(0x66) && !p.contains(0xF3) && !p.contains(0xF2) && m >> 6 != 3 && m >> 3 & 7 >= 6 { return mine.outcome == .completed }
                    return p.contains(0xF3) && m >> 6 == 3 && m >> 3 & 7 <= 3 && (mine.outcome == .completed || m >> 3 & 7 >= 2)
                default: return false
                }
            }),
        KnownExecutionBug(
            id: "unicorn-ud-on-defined-forms", oracle: "unicorn",
            summary: "#UD for defined encodings: TEST r/m, imm as F6/F7 /1 (an alias of /0), the reserved-NOP register forms of 0F 18 (PREFETCH group), and C6/C7 /0 (MOV r/m, imm) with REX.R (QEMU counts REX.R in ModRM.reg)",
            example: "f6c8ff, 0f18c3, 44c6476e48",
            oracleSays: "#UD", truth: "executes (AMD APM Vol. 3 opcode map: F6/F7 /1 is TEST; 0F 18 register forms are NOPs; REX.R does not extend an opcode-extension field)",
            evidence: "CPU: `66 44 c6 47 6e 48` stores 0x48, `f6 8f 1a 00 00 00 b7` completes; the emulator agrees.",
            fields: ["exception"],
            matches: { c, _, _, mine, theirs in
                guard mine.outcome == .completed, theirs.exception?.vector == "UD", let m = modrm(c.bytes) else { return false }
                let (op, next, _) = opcode(c.bytes)
                switch op {
                case 0xF6, 0xF7: return m >> 3 & 7 == 1
                case 0xC6, 0xC7: return m >> 3 & 7 == 0 && (rex(c.bytes) ?? 0) & 0x04 != 0
                case 0x0F: return next == 0x18 && m >> 6 == 3
                default: return false
                }
            }),
        KnownExecutionBug(
            id: "unicorn-executes-invalid-encodings", oracle: "unicorn",
            summary: "executes (or raises #GP for) encodings the CPU rejects with #UD and the project decoder rejects for a reserved field: VEX.vvvv not 1111b where unused, a register operand where only memory is defined (or the reverse), a mandatory prefix that selects no form, a segment register above GS, an undefined 0F-map group member (F3 0F AE /0-/3 with memory)",
            example: "c4c22941c0 (VEX vvvv ≠ 1111b), 66480f799351000000 (EXTRQ with memory), 480f502f (MOVMSKPS with memory), 8cfd (mov r, Sreg 7), f34e0fae5f43, 660fae04a7",
            oracleSays: "completed, #GP, or #PF on the memory operand (c4024917a42414000000)", truth: "#UD (SDM Vol. 2 2.3.6 (VEX.vvvv), the instructions' Exceptions sections, Appendix A)",
            evidence: "CPU: each example raises #UD (SIGILL) in the native sandbox; the emulator raises #UD because the decoder rejects the bytes with reserved-vex-field / invalid-modrm / bad-mandatory-prefix / reserved-register / invalid-encoding, or unknown-opcode in the 0F map; the matcher also requires Zydis to reject them (it did for all 2,205 distinct byte strings of a 200,000-case run).",
            fields: ["exception"],
            matches: { c, mnemonic, _, mine, theirs in
                // Unicorn may also fault on the memory operand, which it computes before deciding.
                guard mnemonic == "-", mine.exception?.vector == "UD",
                    theirs.outcome == .completed || theirs.exception?.vector == "GP" || theirs.exception?.vector == "PF"
                else { return false }
                guard case .invalid(let reason) = X86Decoder(mode: c.mode, vendor: c.vendor).decode(c.bytes, address: 0) else { return false }
                let classified = reason == .unknownOpcode ? opcode(c.bytes).0 == 0x0F
                    : [.reservedVexField, .invalidModRM, .badMandatoryPrefix, .reservedRegister, .invalidEncoding].contains(reason)
                // A second decoder must reject the bytes too (an independent reading of the manuals).
                guard classified, let zydis = try? ZydisOracle() else { return false }
                return c.bytes.withUnsafeBytes { zydis.length($0, mode: c.mode, vendor: c.vendor) } == nil
            }),
        KnownExecutionBug(
            id: "unicorn-ret-imm16-sign-extended", oracle: "unicorn",
            summary: "RET imm16 with a 16-bit operand size (66 C2) adds the immediate sign-extended to RSP",
            example: "66c20ebd (ret 0xbd0e, 16-bit)",
            oracleSays: "RSP + 2 − 0x42f2", truth: "RSP + 2 + 0xbd0e (SDM Vol. 2 RET: the immediate is an unsigned byte count)",
            evidence: "CPU: RSP 0x207ca -> 0x2c4da, as the emulator; Unicorn 0x1c4da.",
            fields: ["register.rsp"],
            matches: { c, _, _, mine, theirs in
                let (op, next, third) = opcode(c.bytes)
                guard op == 0xC2, operandSize16(c.bytes), next != nil, let hi = third, hi & 0x80 != 0 else { return false }
                return theirs.state.gpr[4] &+ 0x10000 == mine.state.gpr[4]
            }),
        KnownExecutionBug(
            id: "unicorn-enter16-rbp", oracle: "unicorn",
            summary: "ENTER with a 16-bit operand size (66 C8) writes the whole RSP to RBP; the CPU writes BP only",
            example: "66c8000000",
            oracleSays: "RBP = RSP", truth: "BP = SP, RBP's upper bits kept (SDM Vol. 2 ENTER: BP ← FrameTemp for a 16-bit operand size)",
            evidence: "CPU: RBP 0x6 -> 0x87e with RSP 0x2087e (`66c8000000`), RBP 0xd4b818612b1b2374 -> 0xd4b818612b1b0809 (`66c8010000`), as the emulator; Unicorn 0x2087e, 0x20809.",
            fields: ["register.rbp"],
            matches: { c, _, _, mine, theirs in
                // Same BP; Unicorn's RBP is the whole frame pointer: RSP after the 2-byte push of BP.
                guard opcode(c.bytes).0 == 0xC8, operandSize16(c.bytes), let caseState = c.state,
                    let state = try? MachineState(caseState: caseState)
                else { return false }
                return theirs.state.gpr[5] & 0xFFFF == mine.state.gpr[5] & 0xFFFF && theirs.state.gpr[5] == state.cpu.gpr[4] &- 2
            }),
        KnownExecutionBug(
            id: "unicorn-enter-nested-copies", oracle: "unicorn",
            summary: "ENTER with a nesting level > 1 pushes wrong values for the copied frame pointers (the same addresses are written, with other bytes)",
            example: "f3c8ffffff (enter 0xffff, 31)",
            oracleSays: "other bytes in the copied frame-pointer slots",
            truth: "the qwords at [RBP − 8·k] (SDM Vol. 2 ENTER, nested procedures)",
            evidence: "CPU: the written bytes equal the emulator's (native sandbox, same state).",
            fields: ["memory"],
            matches: { c, _, _, mine, theirs in
                let (op, _, _) = opcode(c.bytes)
                let k = prefixes(c.bytes).count + 3
                guard op == 0xC8, k < c.bytes.count, c.bytes[k] & 0x1F > 1 else { return false }
                return mine.writes.map(\.address) == theirs.writes.map(\.address) && mine.writes.map(\.bytes.count) == theirs.writes.map(\.bytes.count)
            }),
        KnownExecutionBug(
            id: "unicorn-enter-no-stack-probe", oracle: "unicorn",
            summary: "ENTER does not touch the new stack top: with the frame below the mapped stack it completes where the CPU faults at the new RSP",
            example: "48c8008000 (enter 0x8000, 0) with the stack page alone mapped",
            oracleSays: "completed", truth: "#PF at the new RSP (measured; the emulator probes it, see DESIGN-NOTES Emulator)",
            evidence: "CPU: #PF at 0x187a8 = RSP − 8 − 0x8000 after the push of RBP (`48c8008000`), at 0x11000 for a new RSP of 0x10ffd (`f2c898f861`), as the emulator.",
            fields: ["exception"],
            matches: { c, _, _, mine, theirs in
                guard opcode(c.bytes).0 == 0xC8, mine.exception?.vector == "PF", let a = address(mine), theirs.outcome == .completed else { return false }
                // The CPU writes 8 bytes at the new RSP: the fault is in them.
                return a >= theirs.state.gpr[4] && a < theirs.state.gpr[4] &+ 8
            }),
            KnownExecutionBug(
            id: "unicorn-pdep-pext-operands-swapped", oracle: "unicorn",
            summary: "PDEP/PEXT (VEX.F2/F3.0F38 F5) take the source from r/m and the mask from vvvv, the reverse of the definition (the QEMU bug fixed upstream in 2022)",
            example: "c4e2c3f5d0 (pdep rdx, rdi, rax), c4e2eaf5f8 (pext edi, edx, eax)",
            oracleSays: "pdep(r/m, mask: vvvv)", truth: "pdep(vvvv, mask: r/m) (SDM Vol. 2 PDEP/PEXT: the second operand is the source, the third the mask)",
            evidence: "CPU: `c4 e2 db f5 21` gives RSP 0x408026022 as the emulator, Unicorn 0x824; for register forms the matcher checks Unicorn's value is the swapped computation.",
            fields: ["register"],
            matches: { c, _, field, mine, theirs in
                guard let v = vex3(c.bytes), v.map == 2, v.opcode == 0xF5, v.pp == 2 || v.pp == 3, mine.outcome == .completed, theirs.outcome == .completed,
                    field == "register." + CPUState.gprNames[v.reg]
                else { return false }
                guard let rm = vex3RM(c.bytes), let caseState = c.state, let state = try? MachineState(caseState: caseState) else { return true }
                let mask: UInt64 = v.w ? ~0 : 0xFFFF_FFFF
                let s1 = state.cpu.gpr[v.vvvv] & mask, s2 = state.cpu.gpr[rm] & mask
                let swapped = v.pp == 3 ? deposit(s2, mask: s1) : extract(s2, mask: s1)
                return theirs.state.gpr[v.reg] == swapped & mask
            }),
        KnownExecutionBug(
            id: "unicorn-bzhi-index-clamped", oracle: "unicorn",
            summary: "BZHI with an index ≥ the operand width clamps the index to width − 1, clearing the top bit, where the CPU leaves the source whole (and sets CF)",
            example: "c4c260f5b3f6ffffff (bzhi esi, [r11-10], ebx) with BL = 0xc8",
            oracleSays: "0x3d165b9b, SF 0", truth: "0xbd165b9b, SF 1, CF 1 (SDM Vol. 2 BZHI: if the index ≥ the operand size, the destination is the source)",
            evidence: "CPU: RSI 0x6 -> 0xbd165b9b, RFLAGS CF SF, as the emulator.",
            fields: ["register", "rflags.sf", "rflags.zf"],
            matches: { c, _, _, mine, theirs in
                guard let v = vex3(c.bytes), v.map == 2, v.opcode == 0xF5, v.pp == 0, mine.outcome == .completed, theirs.outcome == .completed,
                    mine.state.rflags & RFlags.carry != 0
                else { return false }
                let top: UInt64 = v.w ? 1 << 63 : 1 << 31
                return theirs.state.gpr[v.reg] == mine.state.gpr[v.reg] & ~top
            }),
            KnownExecutionBug(
            id: "unicorn-cmpxchg32-fail-zero-extends", oracle: "unicorn",
            summary: "CMPXCHG r32, r32 (0F B1, 32-bit operand size) whose comparison fails zero-extends the destination register; the CPU leaves it whole",
            example: "0fb1cd (cmpxchg ebp, ecx) with EAX ≠ EBP",
            oracleSays: "RBP = EBP zero-extended", truth: "RBP unchanged (only EAX is loaded, zero-extended; measured)",
            evidence: "CPU: RBP 0xbd8739146413688 stays, RAX -> 0x46413688, as the emulator; Unicorn RBP 0x46413688.",
            fields: ["register"],
            matches: { c, _, field, mine, theirs in
                let (op, next, _) = opcode(c.bytes)
                guard op == 0x0F, next == 0xB1, let m = modrm(c.bytes), m >> 6 == 3, !prefixes(c.bytes).contains(0x66), (rex(c.bytes) ?? 0) & 0x08 == 0,
                    mine.state.rflags & RFlags.zero == 0, mine.outcome == .completed, theirs.outcome == .completed
                else { return false }
                let d = Int(m & 7) | ((rex(c.bytes) ?? 0) & 0x01 != 0 ? 8 : 0)
                return field == "register." + CPUState.gprNames[d] && theirs.state.gpr[d] == mine.state.gpr[d] & 0xFFFF_FFFF
            }),
            KnownExecutionBug(
            id: "unicorn-amd-rules-under-intel-profile", oracle: "unicorn",
            summary: "Unicorn has one set of rules, AMD's, where the vendors differ; a case run with --vendor intel sees them as divergences: 66-prefixed near branches and returns (rel16/16-bit pop and IP truncated to 16 bits; Intel ignores 66), SYSENTER in 64-bit mode (#UD on AMD), PUSH FS/GS (AMD writes 8 bytes, Intel's 16-bit move writes 2), 0F 0D register forms (#UD on AMD, NOPs on Intel)",
            example: "66e900000000, 66c3, 0f34, 0fa0, 66480f0dc0 (all with --vendor intel)",
            oracleSays: "the AMD result", truth: "the Intel result (SDM Vol. 2 JMP/CALL/RET/Jcc operand size in 64-bit mode, SYSENTER, PUSH: \"a 16-bit move, leaving the upper portion of the stack location unmodified\", PREFETCHW/NOP)",
            evidence: "SDM for Intel (no Intel CPU here); with --vendor amd the emulator agrees with Unicorn and with the Zen 4 CPU on these forms.",
            fields: ["rip", "exception", "register.rsp", "memory"],
            matches: { c, _, field, mine, theirs in
                guard c.vendor == .intel else { return false }
                let (op, next, _) = opcode(c.bytes)
                let m = modrm(c.bytes)
                if operandSize16(c.bytes) {
                    if [0xE8, 0xE9, 0xEB, 0xC2, 0xC3, 0xE0, 0xE1, 0xE2, 0xE3].contains(op) || (0x70...0x7F).contains(op) { return true }
                    if op == 0x0F, let next, (0x80...0x8F).contains(next) { return true }
                    if op == 0xFF, let m, m >> 3 & 7 == 2 || m >> 3 & 7 == 4 { return true }
                }
                guard op == 0x0F, let next else { return false }
                switch next {
                case 0x34: return field == "exception" && mine.outcome == .syscall && theirs.exception?.vector == "UD"
                case 0xA0, 0xA8:
                    // Same address, Unicorn's 8 bytes begin with the emulator's 2.
                    guard field == "memory", mine.writes.count == 1, theirs.writes.count == 1 else { return false }
                    return mine.writes[0].address == theirs.writes[0].address && mine.writes[0].bytes.count == 2
                        && Array(theirs.writes[0].bytes.prefix(2)) == mine.writes[0].bytes
                case 0x0D: return field == "exception" && m.map { $0 >> 6 == 3 } == true && mine.outcome == .completed && theirs.exception?.vector == "UD"
                default: return false
                }
            }),
    ]
}
