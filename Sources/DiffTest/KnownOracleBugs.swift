import X86Decoder

/// The registry of known oracle bugs (see KnownOracleBug). Every entry was measured on this
/// project's machine against Debian's Capstone 4.0.2 and Zydis 4.0.0, with the native length
/// probe on AMD Zen 3 (family 25 model 1, KVM); the tests re-check each example and control.
/// Reasons quoted from other oracles: Zydis status names (ZydisOracle.statusNames) and the
/// project's InvalidReason names.
public enum KnownOracleBugs {
    public static let all: [KnownOracleBug] = capstone + zydis

    /// The known bug of `oracle` that explains the difference in `field`, if any.
    public static func lookup(oracle: String, bytes: [UInt8], mode: Mode, vendor: Vendor, answers: [String: DecodeAnswer],
                              field: String) -> KnownOracleBug? {
        guard let own = answers[oracle] else { return nil }
        let others = answers.filter { $0.key != oracle }
        return all.first { $0.oracle == oracle && $0.matches(bytes, mode, vendor, own, others, field) }
    }

    static func kind(_ field: String) -> String { FieldDifference(field: field, left: "", right: "").fieldKind }

    static let capstone: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-lock-nonlockable", oracle: "capstone",
            summary: "accepts LOCK on forms that are not read-modify-write with a memory destination",
            example: .init("f0034508", .bits64), observed: .init(valid: true, length: 4, mnemonic: "add"),
            oracleSays: "lock add eax, dword ptr [rbp + 8] (4 bytes)", truth: "#UD: LOCK with a register destination",
            evidence: "Zydis: invalid (illegal-lock). CPU: #UD. Manual: LOCK is legal only on RMW forms with a memory destination.",
            field: "valid", control: .init("f0014508", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                field == "valid" && answer.valid && PrefixScan(bytes, mode).has(0xF0)
                    && others.rejected(for: ["illegal-lock", "lock-not-allowed"])
            }),
        KnownOracleBug(
            id: "capstone-mov-to-cs", oracle: "capstone", summary: "accepts MOV to CS (8e /1)",
            example: .init("8e0a", .bits64), observed: .init(valid: true, length: 2, mnemonic: "mov"),
            oracleSays: "mov cs, word ptr [rdx] (2 bytes)", truth: "#UD: MOV cannot load CS",
            evidence: "Zydis: invalid (bad-register). CPU: #UD. 8e 1a (mov ds) executes and Capstone agrees.",
            field: "valid", control: .init("8e1a", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                return field == "valid" && answer.valid && p.at(0) == 0x8E && p.modrm(at: 1)?.reg == 1
                    && others.rejected(for: ["bad-register", "reserved-register"])
            }),
        KnownOracleBug(
            id: "capstone-reserved-cr", oracle: "capstone", summary: "accepts MOV from/to reserved control registers",
            example: .init("0f20c8", .bits64), observed: .init(valid: true, length: 3, mnemonic: "mov"),
            oracleSays: "mov rax, cr1 (3 bytes); also cr5-cr7, cr9-cr15", truth: "#UD: only CR0, CR2, CR3, CR4, CR8 exist",
            evidence: "Zydis: invalid (bad-register) for cr1/5/7/9; valid for cr0/2/4/8. CPU: 0f 20 c8 and 0f 22 c8 #UD (cr0 gives #GP at CPL3).",
            field: "valid", control: .init("0f20c0", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                guard field == "valid", answer.valid, p.at(0) == 0x0F, p.at(1) == 0x20 || p.at(1) == 0x22,
                      let m = p.modrm(at: 2) else { return false }
                let cr = Int(m.reg) + (p.rexR ? 8 : 0)
                return ![0, 2, 3, 4, 8].contains(cr) && others.rejected(for: ["bad-register", "reserved-register"])
            }),
        KnownOracleBug(
            id: "capstone-reserved-dr", oracle: "capstone", summary: "accepts MOV from/to DR8-DR15 (REX.R)",
            example: .init("440f21c0", .bits64), observed: .init(valid: true, length: 4, mnemonic: "mov"),
            oracleSays: "mov rax, dr8 (4 bytes)", truth: "#UD: REX.R with MOV DR",
            evidence: "Zydis: invalid (bad-register). CPU: 44 0f 21 c0 #UD, while 0f 21 c0 (dr0) is #GP at CPL3.",
            field: "valid", control: .init("0f21c0", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                return field == "valid" && answer.valid && p.rexR && p.at(0) == 0x0F && (p.at(1) == 0x21 || p.at(1) == 0x23)
                    && others.rejected(for: ["bad-register", "reserved-register"])
            }),
        KnownOracleBug(
            id: "capstone-prefix-before-vex", oracle: "capstone", summary: "accepts 66/F2/F3 before a VEX or EVEX prefix",
            example: .init("66c5f9fec0", .bits64), observed: .init(valid: true, length: 5, mnemonic: "vpaddd"),
            oracleSays: "vpaddd xmm0, xmm0, xmm0 (5 bytes); also f3/f2 c5, 66/f3 c4, 66/f2 62 (F0 and REX are rejected)",
            truth: "#UD: a legacy 66/F2/F3/LOCK or REX before VEX/EVEX",
            evidence: "Zydis: invalid (illegal-legacy-prefix); 67 and segment prefixes before VEX are accepted by both. CPU: #UD.",
            field: "valid", control: .init("67c5f9fec0", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                return field == "valid" && answer.valid && p.startsVexOrEvex && (p.has(0x66) || p.has(0xF2) || p.has(0xF3))
                    && others.rejected(for: ["illegal-legacy-prefix", "prefix-before-vex"])
            }),
        KnownOracleBug(
            id: "capstone-ud1-no-modrm", oracle: "capstone", summary: "decodes UD1 (0f b9) without its ModRM byte",
            example: .init("0fb9de", .bits64), observed: .init(valid: true, length: 2, mnemonic: "ud1"),
            oracleSays: "ud2b (2 bytes)", truth: "ud1 ebx, esi: 3 bytes (SDM and APM: 0F B9 /r)",
            evidence: "Zydis: ud1 ebx, esi, 3 bytes. CPU: #UD already with only 0f b9 mapped, so the probe cannot see the length.",
            field: "length", control: .init("0f0b", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                return field == "length" && p.at(0) == 0x0F && p.at(1) == 0xB9 && answer.length == p.opcode + 2
                    && others.agreedLength == p.opcode + 3
            }),
        KnownOracleBug(
            id: "capstone-ud0-no-modrm-intel", oracle: "capstone", summary: "decodes UD0 (0f ff) without ModRM for Intel",
            example: .init("0fffc0", .bits64, .intel), observed: .init(valid: true, length: 2, mnemonic: "ud0"),
            oracleSays: "ud0 (2 bytes): the AMD form, whatever the vendor", truth: "Intel: ud0 eax, eax, 3 bytes (SDM: 0F FF /r)",
            evidence: "Zydis (Intel rules): ud0 eax, eax, 3 bytes. For vendor amd Capstone is right (APM: no ModRM).",
            field: "length", control: .init("0fffc0", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field in
                let p = PrefixScan(bytes, mode)
                return vendor == .intel && field == "length" && p.at(0) == 0x0F && p.at(1) == 0xFF
                    && answer.length == p.opcode + 2 && others.agreedLength == p.opcode + 3
            }),
        KnownOracleBug(
            id: "capstone-rex-w-66-ret-imm", oracle: "capstone", summary: "reads 4 immediate bytes for RET Iw with 66 and REX.W",
            example: .init("664cc24d9d0000", .bits64), observed: .init(valid: true, length: 7, mnemonic: "ret"),
            oracleSays: "ret 0x9d4d, 7 bytes; with exactly the 5 bytes 66 4c c2 4d 9d: invalid",
            truth: "ret 0x9d4d, 5 bytes: Iw is 2 bytes and REX.W beats 66 (pops 8 bytes)",
            evidence: "Zydis: ret 0x9d4d, 5 bytes. CPU: fetches 5 bytes. Capstone gets 66 c2, 48 c2 and 66 48 ca right.",
            field: "length", control: .init("66c24d9d", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                guard p.has(0x66), p.rexW, p.at(0) == 0xC2, others.agreedLength == p.opcode + 3 else { return false }
                return field == "length" ? answer.length == p.opcode + 5 : (field == "valid" && !answer.valid && bytes.count < p.opcode + 5)
            }),
        KnownOracleBug(
            id: "capstone-rdpid-as-rdseed", oracle: "capstone", summary: "calls F3 0F C7 /7 (register) RDSEED; it is RDPID",
            example: .init("f30fc7f8", .bits64), observed: .init(valid: true, length: 4, mnemonic: "rdseed"),
            oracleSays: "rdseed eax (4 bytes)", truth: "rdpid rax (r64 in 64-bit mode, r32 otherwise)",
            evidence: "Zydis: rdpid rax. CPU: executes, 4 bytes (Zen 3 has RDPID). Without F3 both say rdseed eax.",
            field: "mnemonic", control: .init("0fc7f8", .bits64),
            matches: { bytes, mode, _, answer, _, field in
                let p = PrefixScan(bytes, mode)
                return ["mnemonic", "operand.register", "operand.size"].contains(kind(field)) && answer.mnemonic == "rdseed"
                    && p.lastRep == 0xF3 && p.at(0) == 0x0F && p.at(1) == 0xC7 && p.modrm(at: 2).map { $0.mod == 3 && $0.reg == 7 } == true
            }),
        KnownOracleBug(
            id: "capstone-rex-r-mov-sreg", oracle: "capstone", summary: "rejects MOV to/from a segment register with REX.R",
            example: .init("4c8e06", .bits64), observed: .init(valid: false),
            oracleSays: "invalid (also 44 8e 06, 4c 8c 06; 48 8e 06 and 41 8e 06 are accepted)",
            truth: "mov es, word ptr [rsi]: REX.R is ignored for Sreg",
            evidence: "Zydis: mov es, word ptr [rsi], 3 bytes. CPU: executes, 3 bytes.",
            field: "valid", control: .init("488e06", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                return field == "valid" && !answer.valid && p.rexR && (p.at(0) == 0x8C || p.at(0) == 0x8E) && others.accepted
            }),
        KnownOracleBug(
            id: "capstone-hint-nop-register-forms", oracle: "capstone", summary: "rejects register forms of the hint-NOP space",
            example: .init("0f1ffa", .bits64), observed: .init(valid: false),
            oracleSays: "invalid for mod=11 of 0f 18 /0-/3 and 0f 1a-0f 1f (0f 19 and 0f 18 /4-/7 are accepted)",
            truth: "nop edx, edi (reserved-NOP, 3 bytes)",
            evidence: "Zydis: nop edx, edi. CPU: 0f 18 c0, 0f 1a c0, 0f 1d c0, 0f 1e c0, 0f 1f c0 execute, 3 bytes.",
            field: "valid", control: .init("0f19c0", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                guard field == "valid", !answer.valid, p.at(0) == 0x0F, let op = p.at(1), let m = p.modrm(at: 2), m.mod == 3 else { return false }
                return ((op == 0x18 && m.reg < 4) || (0x1A...0x1F).contains(op)) && others.accepted
            }),
        KnownOracleBug(
            id: "capstone-fence-nonzero-rm", oracle: "capstone", summary: "rejects LFENCE/MFENCE/SFENCE with ModRM.rm != 0",
            example: .init("0faef1", .bits64), observed: .init(valid: false),
            oracleSays: "invalid (0f ae e9-ef, f1-f7, f9-ff)", truth: "mfence: the rm bits are ignored",
            evidence: "Zydis: mfence. CPU: 0f ae e9, 0f ae f7, 0f ae ff execute, 3 bytes.",
            field: "valid", control: .init("0faef0", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                guard field == "valid", !answer.valid, p.lastRep == nil, !p.has(0x66), p.at(0) == 0x0F, p.at(1) == 0xAE,
                      let m = p.modrm(at: 2) else { return false }
                return m.mod == 3 && m.reg >= 5 && m.rm != 0 && others.accepted
            }),
        KnownOracleBug(
            id: "capstone-prefetch-group", oracle: "capstone", summary: "rejects 0f 0d memory forms other than /1",
            example: .init("0f0d00", .bits64), observed: .init(valid: false),
            oracleSays: "invalid (0f 0d 08, prefetchw, is accepted)", truth: "prefetch byte ptr [rax] (AMD PREFETCH; /2-/7 alias it)",
            evidence: "Zydis: prefetch byte ptr [rax]. CPU: 0f 0d 00 and 0f 0d 08 execute, 3 bytes.",
            field: "valid", control: .init("0f0d08", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                return field == "valid" && !answer.valid && p.at(0) == 0x0F && p.at(1) == 0x0D
                    && p.modrm(at: 2).map { $0.mod != 3 && $0.reg != 1 } == true && others.accepted
            }),
    ] + capstoneModeRules

    static let capstoneModeRules: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-66-near-branch-intel", oracle: "capstone",
            summary: "gives 66-prefixed near branches a 16-bit offset in 64-bit mode for Intel too",
            example: .init("66e82e1b88e6", .bits64, .intel), observed: .init(valid: true, length: 4, mnemonic: "call"),
            oracleSays: "call 0x1b32 (4 bytes): the AMD rule, whatever the vendor",
            truth: "Intel: 66 is ignored, call rel32, 6 bytes",
            evidence: "Zydis (Intel): 6 bytes; Zydis with AMD branches: 4. CPU (AMD Zen 3): 4, as Capstone, which is right for amd.",
            field: "length", control: .init("66e82e1b88e6", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field in
                let p = PrefixScan(bytes, mode)
                guard vendor == .intel, mode == .bits64, field == "length", p.has(0x66), !p.rexW, let op = p.at(0) else { return false }
                let opcodeEnd = op == 0x0F ? p.opcode + 2 : p.opcode + 1
                let branch = op == 0xE8 || op == 0xE9 || (op == 0x0F && p.at(1).map { $0 & 0xF0 == 0x80 } == true)
                return branch && answer.length == opcodeEnd + 2 && others.agreedLength == opcodeEnd + 4
            }),
        KnownOracleBug(
            id: "capstone-64bit-fs-gs-shadowed", oracle: "capstone",
            summary: "in 64-bit mode lets an ignored ES/CS/SS/DS override that follows FS/GS win",
            example: .init("64260000", .bits64), observed: .init(valid: true, length: 4, mnemonic: "add"),
            oracleSays: "add byte ptr es:[rax], al (normalized: ds)", truth: "fs:[rax]: FS/GS apply, ES/CS/SS/DS are ignored",
            evidence: "Zydis: fs. CPU: 64 26 8b 00 faults like 64 8b 00 (FS base), 26 8b 00 reads the data.",
            field: "operand.segment", control: .init("26640000", .bits64),
            matches: { bytes, mode, _, answer, _, field in
                let p = PrefixScan(bytes, mode)
                guard mode == .bits64, kind(field) == "operand.segment", p.has(0x64) || p.has(0x65),
                      let last = p.lastSegment, last != 0x64 && last != 0x65 else { return false }
                return answer.operands.contains { $0.kind == .memory && $0.segment != "fs" && $0.segment != "gs" }
            }),
        KnownOracleBug(
            id: "capstone-16bit-cbw-cwd", oracle: "capstone", summary: "names 98/99 by the 32-bit forms in 16-bit mode",
            example: .init("99", .bits16), observed: .init(valid: true, length: 1, mnemonic: "cdq"),
            oracleSays: "cdq (98: cwde)", truth: "cwd (98: cbw): the operand size is 16 bits",
            evidence: "Zydis: cwd / cbw. With 66 (66 99) both say cdq.", field: "mnemonic", control: .init("6699", .bits16),
            matches: { bytes, mode, _, answer, _, field in
                let p = PrefixScan(bytes, mode)
                return mode == .bits16 && field == "mnemonic" && !p.has(0x66) && (p.at(0) == 0x98 || p.at(0) == 0x99)
                    && (answer.mnemonic == "cwde" || answer.mnemonic == "cdq")
            }),
        KnownOracleBug(
            id: "capstone-far-pointer-memory-size", oracle: "capstone",
            summary: "gives LDS/LES/LSS/LFS/LGS memory the operand size instead of the pointer size",
            example: .init("c437", .bits16), observed: .init(valid: true, length: 2, mnemonic: "les"),
            oracleSays: "les si, word ptr [bx] (size 2)", truth: "m16:16, 4 bytes (m16:32: 6, m16:64: 10)",
            evidence: "Zydis: dword (4); 32-bit c4 37: Capstone 4, Zydis 6; 64-bit 48 0f b2 37: Capstone 8, Zydis 10.",
            field: "operand.size", control: .init("8b37", .bits16),
            matches: { _, _, _, answer, others, field in
                guard kind(field) == "operand.size", ["les", "lds", "lss", "lfs", "lgs"].contains(answer.mnemonic ?? ""),
                      answer.operands.count == 2, let reg = answer.operands[0].size else { return false }
                let mem = answer.operands[1]
                return mem.kind == .memory && mem.size != reg + 2 && others.values.contains { $0.operands.last?.size == reg + 2 }
            }),
    ]

    static let zydis: [KnownOracleBug] = [
        KnownOracleBug(
            id: "zydis-knc-without-knc-mode", oracle: "zydis",
            summary: "decodes Knights Corner (KNC/MVEX) encodings with KNC mode off",
            example: .init("c564842385e700", .bits64), observed: .init(valid: true, length: 7, mnemonic: "jkzd"),
            oracleSays: "jkzd k3, rel32 (7 bytes; the 6 bytes c5 64 84 23 85 e7 alone: no-more-data); also MVEX 62 forms, kand/kor/kxor with VEX.L0",
            truth: "#UD: VEX.0F 84 and MVEX exist only on Knights Corner",
            evidence: "Capstone: invalid. CPU: c5 64 84 23 85 e7 00 and c5 f8 85 … #UD. Same answer with KNC mode on.",
            field: "valid", control: .init("c5fc41d3", .bits64),
            matches: { bytes, mode, _, answer, others, field in
                let p = PrefixScan(bytes, mode)
                guard field == "valid", answer.valid, p.startsVexOrEvex, !others.isEmpty, !others.accepted else { return false }
                let mvex = p.at(0) == 0x62 && p.at(2).map { $0 & 0x04 == 0 } == true
                return mvex || kncMnemonics.contains(answer.mnemonic ?? "")
            }),
        KnownOracleBug(
            id: "zydis-ud0-modrm-amd", oracle: "zydis", summary: "reads a ModRM byte for UD0 (0f ff) for AMD too",
            example: .init("0fffc0", .bits64, .amd), observed: .init(valid: true, length: 3, mnemonic: "ud0"),
            oracleSays: "ud0 eax, eax (3 bytes): the Intel form, whatever the vendor", truth: "AMD: ud0, 2 bytes (APM: 0F FF, no ModRM)",
            evidence: "Capstone: ud0, 2 bytes. CPU (Zen 3): #UD already with only 0f ff mapped.",
            field: "length", control: .init("0fffc0", .bits64, .intel),
            matches: { bytes, mode, vendor, answer, others, field in
                let p = PrefixScan(bytes, mode)
                return vendor == .amd && field == "length" && p.at(0) == 0x0F && p.at(1) == 0xFF
                    && answer.length == p.opcode + 3 && others.agreedLength == p.opcode + 2
            }),
    ]

    /// Zydis mnemonics that exist only as Knights Corner instructions (AVX-512's mask
    /// instructions carry a size suffix: kandw, kmovq …).
    static let kncMnemonics: Set<String> = [
        "jkzd", "jknzd", "kand", "kandn", "kandnr", "kor", "kxor", "kxnor", "knot", "kortest", "kmov", "kmerge2l1h",
        "kmerge2l1l", "kconcath", "kconcatl", "kextract", "clevict0", "clevict1", "delay", "spflt", "tzcnti", "lzcnt",
        "popcnt", "tzcnt", "vprefetch0", "vprefetch1", "vprefetch2", "vprefetche0", "vprefetche1", "vprefetche2",
        "vprefetchnta", "vprefetchenta",
    ]
}

/// The known bug of `oracle` that explains the difference in `field`, if any (see KnownOracleBugs).
public func knownBug(oracle: String, bytes: [UInt8], mode: Mode, vendor: Vendor, answers: [String: DecodeAnswer],
                     field: String) -> KnownOracleBug? {
    KnownOracleBugs.lookup(oracle: oracle, bytes: bytes, mode: mode, vendor: vendor, answers: answers, field: field)
}
