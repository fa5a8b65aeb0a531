import X86Decoder

/// Capstone 4.0.2's known bugs in the legacy opcode maps (one-byte, 0F, 0F 38, 0F 3A) and its
/// mode- and vendor-dependent rules. VEX/EVEX/XOP entries are in KnownOracleBugs.swift.
extension KnownOracleBugs {
    static let capstone: [KnownOracleBug] = capstoneInvalidAccepted + capstoneValidRejected + capstoneLengths + capstoneModeRules

    /// Encodings that #UD and Capstone decodes.
    static let capstoneInvalidAccepted: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-lock-nonlockable", oracle: "capstone",
            summary: "accepts LOCK on forms that are not read-modify-write with a memory destination",
            example: .init("f0034508", .bits64), observed: .init(valid: true, length: 4, mnemonic: "add"),
            oracleSays: "lock add eax, dword ptr [rbp + 8] (4 bytes)", truth: "#UD: LOCK with a register destination",
            evidence: "Zydis: invalid (illegal-lock). CPU: #UD. Manual: LOCK is legal only on RMW forms with a memory destination.",
            field: "valid", control: .init("f0014508", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                field == "valid" && answer.valid && p.has(0xF0)
                    && others.rejected(for: ["illegal-lock", "lock-not-allowed"])
            }),
        KnownOracleBug(
            id: "capstone-mov-to-cs", oracle: "capstone", summary: "accepts MOV to CS (8e /1)",
            example: .init("8e0a", .bits64), observed: .init(valid: true, length: 2, mnemonic: "mov"),
            oracleSays: "mov cs, word ptr [rdx] (2 bytes)", truth: "#UD: MOV cannot load CS",
            evidence: "Zydis: invalid (bad-register). CPU: #UD. 8e 1a (mov ds) executes and Capstone agrees.",
            field: "valid", control: .init("8e1a", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && answer.valid && p.at(0) == 0x8E && p.modrm(at: 1)?.reg == 1
                    && others.rejected(for: ["bad-register", "reserved-register"])
            }),
        KnownOracleBug(
            id: "capstone-reserved-cr", oracle: "capstone", summary: "accepts MOV from/to reserved control registers",
            example: .init("0f20c8", .bits64), observed: .init(valid: true, length: 3, mnemonic: "mov"),
            oracleSays: "mov rax, cr1 (3 bytes); also cr5-cr7, cr9-cr15", truth: "#UD: only CR0, CR2, CR3, CR4, CR8 exist",
            evidence: "Zydis: invalid (bad-register) for cr1/5/7/9; valid for cr0/2/4/8. CPU: 0f 20 c8 and 0f 22 c8 #UD (cr0 gives #GP at CPL3).",
            field: "valid", control: .init("0f20c0", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard field == "valid", answer.valid, p.at(0) == 0x0F, p.at(1) == 0x20 || p.at(1) == 0x22,
                      let m = p.modrm(at: 2) else { return false }
                let cr = Int(m.reg) + (p.rexR ? 8 : 0)
                return ![0, 2, 3, 4, 8].contains(cr) && others.rejected(for: ["bad-register", "reserved-register"])
            }),
        KnownOracleBug(
            id: "capstone-evex-gpr-r-prime", oracle: "capstone",
            summary: "accepts EVEX forms with a general-purpose register in ModRM.reg and EVEX.R' set (R̄' = 0)",
            example: .init("62417e0879cd", .bits64), observed: .init(valid: true, length: 6, mnemonic: "vcvtss2usi"),
            oracleSays: "vcvtss2usi r9, xmm13 (6 bytes): R' dropped, W ignored", truth: "#UD: only 16 general-purpose registers exist, EVEX.R' must be 1 (stored inverted)",
            evidence: "Zydis: invalid (bad-register). CPU (Zen 4): 62 41 7e 08 79 cd #UD after 6 bytes, while 62 71 7e 08 79 cd (R̄' = 1) runs as vcvtss2usi r9d, xmm5.",
            field: "valid", control: .init("62717e0879cd", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard field == "valid", answer.valid, let e = p.evex, e.p0 & 0x10 == 0, others.rejected(for: ["bad-register", "reserved-register"])
                else { return false }
                if let r = answer.operands.first?.register, !r.hasPrefix("xmm"), !r.hasPrefix("ymm"), !r.hasPrefix("zmm"), !r.hasPrefix("k") {
                    return true
                }
                // Capstone may name a vector register there as well (62 21 fe 08 79 f3: vcvtss2usi xmm6, with
                // EVEX.X set): the twin with R̄' = 1 is its instruction with a general-purpose destination.
                var twin = bytes
                twin[p.opcode + 1] |= 0x10
                let t = projectAnswer(twin, mode, vendor)
                guard t.valid, t.mnemonic == answer.mnemonic, let r = t.operands.first?.register else { return false }
                return Normalization.registerSize(r).map { $0 <= 8 } == true && !r.hasPrefix("k")
            }),
        KnownOracleBug(
            id: "capstone-reserved-dr", oracle: "capstone", summary: "accepts MOV from/to DR8-DR15 (REX.R)",
            example: .init("440f21c0", .bits64), observed: .init(valid: true, length: 4, mnemonic: "mov"),
            oracleSays: "mov rax, dr8 (4 bytes)", truth: "#UD: REX.R with MOV DR",
            evidence: "Zydis: invalid (bad-register). CPU: 44 0f 21 c0 #UD, while 0f 21 c0 (dr0) is #GP at CPL3.",
            field: "valid", control: .init("0f21c0", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && answer.valid && p.rexR && p.at(0) == 0x0F && (p.at(1) == 0x21 || p.at(1) == 0x23)
                    && others.rejected(for: ["bad-register", "reserved-register"])
            }),
        KnownOracleBug(
            id: "capstone-prefix-before-vex", oracle: "capstone", summary: "accepts 66/F2/F3 before a VEX or EVEX prefix",
            example: .init("66c5f9fec0", .bits64), observed: .init(valid: true, length: 5, mnemonic: "vpaddd"),
            oracleSays: "vpaddd xmm0, xmm0, xmm0 (5 bytes); also f3/f2 c5, 66/f3 c4, 66/f2 62, f3 8f e8 … (XOP) (F0 and REX are rejected)",
            truth: "#UD: a legacy 66/F2/F3/LOCK or REX before VEX/EVEX",
            evidence: "Zydis: invalid (illegal-legacy-prefix); 67 and segment prefixes before VEX are accepted by both. CPU: #UD.",
            field: "valid", control: .init("67c5f9fec0", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && answer.valid && (p.startsVexOrEvex || p.startsXop) && (p.has(0x66) || p.has(0xF2) || p.has(0xF3))
                    && others.rejected(for: ["illegal-legacy-prefix", "prefix-before-vex"])
            }),
        KnownOracleBug(
            id: "capstone-mandatory-prefix-ignored", oracle: "capstone",
            summary: "ignores a 66/F2/F3 that selects no form of a 0F-map opcode and decodes the unprefixed form",
            example: .init("f20f66c7", .bits64), observed: .init(valid: true, length: 4, mnemonic: "pcmpgtd"),
            oracleSays: "pcmpgtd mm0, mm7 (4 bytes); likewise F2/F3 before MMX forms (0f 60-7f, d1-fe), F2 before SSE 0f 13/14/17/2f/55/56/5b, F3 before 0f 29/54/c3/c4, 66 before 0f 53/77, F3 0f 37 (getsec), F3 0f 79 (vmwrite)",
            truth: "#UD: F2 0F 66 is no instruction (NP 0F 66 is PCMPGTD mm, 66 0F 66 PCMPGTD xmm)",
            evidence: "Zydis: invalid (decoding-error). CPU (Zen 4): f2 0f 66 c7, f3 0f 61 ff, 66 0f 77, 66 0f 53 87 …, f2 0f 13 ba …, f3 41 0f 29 00, f3 36 0f 54 75 2f, f2 26 0f c3 55 c4, f3 0f c4 8b …, f3 0f 37, f3 0f 79 12 and 40 more all #UD. The matcher checks that the bytes without their 66/F2/F3 are Capstone's instruction for the project decoder.",
            field: "valid", control: .init("660f66c7", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard field == "valid", answer.valid, p.at(0) == 0x0F, !p.startsVexOrEvex, others.rejected,
                      others.rejected(for: ["bad-mandatory-prefix", "decoding-error"]) else { return false }
                // A LOCK goes too (f0 47 f2 0f ec: Capstone ignores it as well, see capstone-lock-nonlockable).
                // First only F2/F3 (f3 66 0f 14: Capstone takes the 66 form), then 66 as well.
                guard let length = answer.length else { return false }
                for drop: Set<UInt8> in [[0xF2, 0xF3, 0xF0], [0x66, 0xF2, 0xF3, 0xF0]] {
                    guard (0..<p.opcode).contains(where: { bytes[$0] != 0xF0 && drop.contains(bytes[$0]) }),
                          let twin = withoutPrefixes(bytes, mode, drop) else { continue }
                    let t = projectAnswer(twin, mode, vendor)
                    if t.valid && t.mnemonic == answer.mnemonic && t.length == length - (bytes.count - twin.count) { return true }
                }
                return false
            }),
        KnownOracleBug(
            id: "capstone-mpx-as-nop", oracle: "capstone",
            summary: "knows no MPX: decodes 0f 1a/0f 1b memory forms as hint NOPs, also where MPX makes them #UD (Intel)",
            example: .init("0f1a20", .bits64), observed: .init(valid: true, length: 3, mnemonic: "nop"),
            oracleSays: "nop dword ptr [rax] (3 bytes) for bndldx bnd4, [rax]; also bnd4-bnd7 in the other forms, RIP-relative BNDLDX/BNDSTX, 16-bit addressing; valid forms are named nop (0f 1a 00: nop, not bndldx)",
            truth: "Intel: #UD (bnd4-bnd7 do not exist; BNDLDX/BNDSTX reject RIP-relative MIB; 16-bit addressing is #UD). AMD: hint NOP, as Capstone says",
            evidence: "Zydis (Intel): invalid (bad-register, decoding-error). SDM BNDLDX/BNDMK/BNDCL: #UD if the bound register is BND4-BND7, if 67H is not used and CS.D=0, if RIP-relative (BNDLDX/BNDSTX/BNDMK). For vendor amd the project agrees with Capstone (Zen 4 executes 0f 1a 7f 9e cb as a NOP).",
            field: "valid", control: .init("0f1a20", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard vendor == .intel, answer.valid, answer.mnemonic == "nop", p.at(0) == 0x0F, p.at(1) == 0x1A || p.at(1) == 0x1B,
                      p.modrm(at: 2).map({ $0.mod != 3 }) == true else { return false }
                if field == "valid" { return others.rejected }
                let k = kind(field)
                return (k == "mnemonic" || k.hasPrefix("operand")) && others.values.contains { $0.mnemonic?.hasPrefix("bnd") == true }
            }),
        KnownOracleBug(
            id: "capstone-swapgs-outside-64bit", oracle: "capstone", summary: "accepts SWAPGS (0f 01 f8) outside 64-bit mode",
            example: .init("0f01f8", .bits32), observed: .init(valid: true, length: 3, mnemonic: "swapgs"),
            oracleSays: "swapgs (3 bytes) in 16- and 32-bit mode", truth: "#UD: SWAPGS is valid only in 64-bit mode (SDM: #UD if not in 64-bit mode)",
            evidence: "Zydis: invalid (decoding-error) in 16/32-bit mode, swapgs in 64-bit mode. CPU: cannot run 32-bit code here (0f 01 f8 in 64-bit mode: #GP at CPL3).",
            field: "valid", control: .init("0f01f8", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && mode != .bits64 && answer.valid && p.at(0) == 0x0F && p.at(1) == 0x01 && p.at(2) == 0xF8
                    && others.rejected
            }),
    ]

    /// Valid encodings that Capstone rejects.
    static let capstoneValidRejected: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-rex-r-mov-sreg", oracle: "capstone", summary: "rejects MOV to/from a segment register with REX.R",
            example: .init("4c8e06", .bits64), observed: .init(valid: false),
            oracleSays: "invalid (also 44 8e 06, 4c 8c 06; 48 8e 06 and 41 8e 06 are accepted)",
            truth: "mov es, word ptr [rsi]: REX.R is ignored for Sreg",
            evidence: "Zydis: mov es, word ptr [rsi], 3 bytes. CPU: executes, 3 bytes.",
            field: "valid", control: .init("488e06", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && !answer.valid && p.rexR && (p.at(0) == 0x8C || p.at(0) == 0x8E) && others.accepted
            }),
        KnownOracleBug(
            id: "capstone-hint-nop-register-forms", oracle: "capstone", summary: "rejects register forms of the hint-NOP space",
            example: .init("0f1ffa", .bits64), observed: .init(valid: false),
            oracleSays: "invalid for mod=11 of 0f 18 /0-/3 and 0f 1a-0f 1f (0f 19 and 0f 18 /4-/7 are accepted)",
            truth: "nop edx, edi (reserved-NOP, 3 bytes)",
            evidence: "Zydis: nop edx, edi. CPU: 0f 18 c0, 0f 1a c0, 0f 1d c0, 0f 1e c0, 0f 1f c0 execute, 3 bytes.",
            field: "valid", control: .init("0f19c0", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard field == "valid", !answer.valid, p.at(0) == 0x0F, let op = p.at(1), let m = p.modrm(at: 2), m.mod == 3 else { return false }
                guard (op == 0x18 && m.reg < 4) || (0x1A...0x1F).contains(op) else { return false }
                // For AMD Zydis decodes 0f 1a/1b as MPX and may reject them (zydis-mpx-on-amd).
                return others.accepted || (vendor == .amd && (op == 0x1A || op == 0x1B) && others["project"]?.mnemonic == "nop")
            }),
        KnownOracleBug(
            id: "capstone-fence-nonzero-rm", oracle: "capstone", summary: "rejects LFENCE/MFENCE/SFENCE with ModRM.rm != 0",
            example: .init("0faef1", .bits64), observed: .init(valid: false),
            oracleSays: "invalid (0f ae e9-ef, f1-f7, f9-ff)", truth: "mfence: the rm bits are ignored",
            evidence: "Zydis: mfence. CPU: 0f ae e9, 0f ae f7, 0f ae ff execute, 3 bytes.",
            field: "valid", control: .init("0faef0", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
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
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && !answer.valid && p.at(0) == 0x0F && p.at(1) == 0x0D
                    && p.modrm(at: 2).map { $0.mod != 3 && $0.reg != 1 } == true && others.accepted
            }),
        KnownOracleBug(
            id: "capstone-0f0d-register-intel", oracle: "capstone", summary: "rejects 0f 0d register forms, reserved NOPs on Intel",
            example: .init("0f0dc1", .bits64, .intel), observed: .init(valid: false),
            oracleSays: "invalid (every 0f 0d with mod=11)", truth: "Intel: nop ecx (reserved-NOP, 3 bytes); AMD: #UD, as Capstone says",
            evidence: "Zydis: nop ecx, eax, 3 bytes. XED (Intel's decoder) has the form NOP_GPRv_GPRv_0F0D. CPU (Zen 4, AMD): 0f 0d c1 #UD, so for vendor amd the project agrees with Capstone.",
            field: "valid", control: .init("0f0dc1", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, p in
                return vendor == .intel && field == "valid" && !answer.valid && p.at(0) == 0x0F && p.at(1) == 0x0D
                    && p.modrm(at: 2)?.mod == 3 && others.accepted
            }),
        KnownOracleBug(
            id: "capstone-ud0-after-prefix", oracle: "capstone", summary: "rejects UD0 (0f ff) after any prefix or REX",
            example: .init("660fffc0", .bits64), observed: .init(valid: false),
            oracleSays: "invalid for 66/F2/F3/segment/REX 0f ff …; 0f ff alone is ud0", truth: "ud0 with the prefix: Intel 66 0f ff c0 is 4 bytes, AMD 3",
            evidence: "Zydis: ud0, 4 bytes. CPU (Zen 4): 64 0f ff de and 45 0f ff 0c e7 #UD with 3 bytes mapped (the prefix is consumed, 0f ff is UD0).",
            field: "valid", control: .init("0fffc0", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard field == "valid", !answer.valid, p.opcode > 0, p.at(0) == 0x0F, p.at(1) == 0xFF else { return false }
                // For AMD Zydis may reject it for the ModRM it wrongly wants (zydis-ud0-modrm-amd).
                return others.accepted || (vendor == .amd && others["project"]?.mnemonic == "ud0"
                    && others["zydis"].map { $0.valid || $0.reason == "no-more-data" || $0.reason == "instruction-too-long" } == true)
            }),
        KnownOracleBug(
            id: "capstone-moffs-66-then-rep", oracle: "capstone", summary: "rejects MOV moffs (a0-a3) when 66 comes before F2/F3",
            example: .init("66f3a1d4f3c6d735ae648a4f27", .bits64), observed: .init(valid: false),
            oracleSays: "invalid (66 f2/f3 a0-a3); f3 66 a1 and f3 a1 are accepted", truth: "mov ax, word ptr [0x278a4f64ae35d7c6f3d4]: F3 is ignored, 11 bytes",
            evidence: "Zydis: mov ax, word ptr [...], 11 bytes. CPU (Zen 4): 66 f3 a1 … and 66 f2 a3 … fetch 11 bytes and fault on the data address.",
            field: "valid", control: .init("f366a1d4f3c6d735ae648a4f27", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard field == "valid", !answer.valid, let op = p.at(0), (0xA0...0xA3).contains(op), let i66 = p.legacy.firstIndex(of: 0x66),
                      let iRep = p.legacy.lastIndex(where: { $0 == 0xF2 || $0 == 0xF3 }) else { return false }
                return i66 < iRep && others.accepted
            }),
        KnownOracleBug(
            id: "capstone-16bit-mandatory-prefix", oracle: "capstone",
            summary: "rejects SSE forms selected by a mandatory 66/F2/F3 in 16-bit mode",
            example: .init("660f7cc8", .bits16), observed: .init(valid: false),
            oracleSays: "invalid (haddpd; also 66 0f d6 movq, 66 0f e6 cvttpd2dq, f2 0f 7c haddps, f2/66 0f d0 addsubps/pd, 66 0f 38 f6 adcx); in 32-bit mode it decodes them",
            truth: "haddpd xmm1, xmm0, 4 bytes: a mandatory prefix selects the form in every mode",
            evidence: "Zydis: haddpd xmm1, xmm0, 4 bytes. CPU (Zen 4, 64-bit mode): 66 0f 7c c8, 66 0f d6 c0, 66 0f e6 c0 execute, 4 bytes. The mnemonic side of the bug (16-bit 66 0f 58 c1 is addps to Capstone, f2 0f 12 c1 movhlps) is not covered here.",
            field: "valid", control: .init("660f7cc8", .bits32),
            matches: { bytes, mode, _, answer, others, field, p in
                return mode == .bits16 && field == "valid" && !answer.valid && (p.has(0x66) || p.lastRep != nil) && p.at(0) == 0x0F
                    && others.agreeOnOneInstruction != nil
            }),
        KnownOracleBug(
            id: "capstone-unknown-instructions", oracle: "capstone",
            summary: "does not know instructions added to the SDM/APM after its tables (CET, MOVDIRI, SERIALIZE, PCONFIG, RDPRU, SNP …)",
            example: .init("0f01fd", .bits64), observed: .init(valid: false),
            oracleSays: "invalid for rdpru (0f 01 fd) and the others in KnownOracleBugs.capstoneUnknownMnemonics",
            truth: "rdpru (APM: 0F 01 FD), 3 bytes",
            evidence: "Zydis: the same instruction and length (WRMSRNS, RDMSRLIST, WRMSRLIST, LKGS: Zydis 4.0.0 lacks them too, see zydis-unknown-instructions). CPU (Zen 4): 0f 01 fc (clzero) executes, 0f 01 fa/fb (monitorx/mwaitx) #GP at CPL3, 0f 01 fd/fe/ff, 0f 01 e8, 0f 01 c5 #UD after 3 bytes.",
            field: "valid", control: .init("0f01f9", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard field == "valid", !answer.valid, !p.startsVexOrEvex, let project = others["project"], project.valid,
                      let name = project.mnemonic, capstoneUnknownMnemonics.contains(name) else { return false }
                guard let zydis = others["zydis"] else { return true }
                // Zydis' own answer may be its registered bug (f3 0f 01 fd: rdpru for rmpquery).
                var all = others
                all["capstone"] = answer
                return zydis.valid ? (zydis.mnemonic == name && zydis.length == project.length)
                    || (zydis.length == project.length && lookup(oracle: "zydis", bytes: bytes, mode: mode, vendor: vendor, answers: all, field: "mnemonic") != nil)
                    : zydisUnknownMnemonics.keys.contains(name)
            }),
        KnownOracleBug(
            id: "capstone-vex-mask-high-bits-amd", oracle: "capstone",
            summary: "rejects VEX mask instructions whose specifiers have VEX.R or vvvv's high bit set, for AMD (as Zydis does)",
            example: .init("c57c4ae1", .bits64, .amd), observed: .init(valid: false),
            oracleSays: "invalid (no instruction): it knows no opmask forms (capstone-unknown-vex-forms), and Zydis rejects these too, so that entry does not apply",
            truth: "AMD: kaddw k4, k0, k1, 4 bytes: only the low three bits of a VEX mask specifier count",
            evidence: "CPU (Zen 4): c5 7c 4a e1, c5 bc 4a e1, c4 61 fd 4a e1 execute (difftest native --exec). See zydis-vex-mask-high-bits-amd.",
            field: "valid", control: .init("c57c4ae1", .bits64, .intel),
            matches: { bytes, mode, vendor, answer, others, field, _ in
                field == "valid" && !answer.valid && vexMaskHighBitsAMD(bytes, mode, vendor, others)
            }),
        amdOnlyEncodings(oracle: "capstone"),
        KnownOracleBug(
            id: "capstone-amd-lock-mov-cr8", oracle: "capstone",
            summary: "names CR0 for AMD's LOCK MOV CR0, which is CR8 (it accepts the LOCK: capstone-lock-nonlockable)",
            example: .init("f0f30f2000", .bits64, .amd), observed: .init(valid: true, length: 5, mnemonic: "mov"),
            oracleSays: "mov rax, cr0 (f0 f3 0f 20 00; f0 0f 22 c0: mov cr0, rax)",
            truth: "AMD: mov rax, cr8 (APM MOV CRn: LOCK MOV CR0 accesses CR8; CPUID AltMovCr8)",
            evidence: "Zydis rejects the encoding (zydis-amd-only-encodings). CPU (Zen 4): f0 0f 20 c0 and f0 0f 22 c0 run (#GP at CPL 3) while f0 0f 20 c8 (CR9) and f0 44 0f 20 c0 #UD: only the CR0 encoding has the alias.",
            field: "operand.register", control: .init("0f2000", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard vendor == .amd, kind(field) == "operand.register", p.has(0xF0), p.at(0) == 0x0F, p.at(1) == 0x20 || p.at(1) == 0x22,
                      let project = others["project"], project.valid else { return false }
                return answer.operands.contains { $0.register == "cr0" } && project.operands.contains { $0.register == "cr8" }
            }),
    ]

    /// Capstone and Zydis (in its AMD mode) both reject the encodings that only AMD decodes:
    /// one entry each, `<oracle>-amd-only-encodings`.
    static func amdOnlyEncodings(oracle: String) -> KnownOracleBug {
        KnownOracleBug(
            id: "\(oracle)-amd-only-encodings", oracle: oracle,
            summary: "rejects encodings AMD CPUs decode and Intel reserves, for AMD: EVEX.b on register forms with broadcast, {z} with k0 without masking, LOCK MOV CR8, VPERMQ/VPERMPD VEX.W0, LOCK VERW",
            example: .init("62f17558fec1", .bits64, .amd), observed: .init(valid: false),
            oracleSays: "invalid (62 f1 75 58 fe c1; also 62 f2 75 a8 dc c1, f0 0f 20 c0, c4 e3 7d 00 c1 1b, f0 0f 00 28)",
            truth: "AMD: vpaddd zmm0, zmm1, zmm1, 6 bytes (EVEX.b ignored on the register form; L'L gives the vector length). Vendor.swift lists each rule.",
            evidence: amdOnlyEvidence,
            field: "valid", control: .init("62f17558fcc1", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, _ in
                field == "valid" && !answer.valid && amdOnlyEncoding(bytes, mode, vendor, others)
            })
    }

    /// What the CPU says about the AMD-only encodings (capstone-/zydis-amd-only-encodings).
    static let amdOnlyEvidence = "CPU (Zen 4, difftest native --length --vendor amd, one register form per EVEX opcode, map, pp and W): all 133 forms with embedded broadcast and no rounding run with EVEX.b on a register form (L'L 00/01/10; L'L 11 #UD), the byte/word and scalar forms #UD; 40 forms without masking run {z} with k0 (vaesenc, vpclmulqdq, vpsadbw, vcomiss, conversions to and from GPRs), those writing a mask register #UD. A throwaway AVX-512 probe: vpaddd with b on a register form computes at L'L's width (128/256/512 bits). f0 0f 20 c0 and f0 0f 22 c0 run (#GP at CPL 3; f0 0f 20 c8 and f0 44 0f 20 c0 #UD), as the APM's LOCK MOV CR0 alias of CR8 says; c4 e3 7d 00 c1 1b and c4 e3 7d 01 c1 1b compute VPERMQ/VPERMPD (L0 #UD); f0 0f 00 28 runs (other group-6 forms with LOCK #UD). The project's intel profile rejects all of them, as the SDM does."

    /// The project accepts the bytes for AMD and rejects them for Intel: one of the AMD-only
    /// rules of Vendor.swift (the VEX mask rule has its own entries, before these).
    static func amdOnlyEncoding(_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor, _ others: [String: DecodeAnswer]) -> Bool {
        guard vendor == .amd, others["project"]?.valid == true else { return false }
        return !projectAnswer(bytes, mode, .intel).valid
    }

    /// Instructions Capstone 4.0.2 does not decode (measured with the project's encodings).
    static let capstoneUnknownMnemonics: Set<String> = [
        "enclv", "pconfig", "wrmsrns", "rdmsrlist", "wrmsrlist", "serialize", "rdpkru", "wrpkru", "monitorx", "mwaitx",
        "clzero", "rdpru", "invlpgb", "tlbsync", "mcommit", "rmpadjust", "rmpupdate", "psmash", "pvalidate", "rmpquery", "rmpread",
        "movdiri", "movdir64b", "enqcmd", "enqcmds", "incsspd", "incsspq", "saveprevssp", "rstorssp", "setssbsy", "wrssd", "wrssq", "wrussd",
        "wrussq", "ptwrite", "umonitor", "umwait", "tpause", "xsusldtrk", "xresldtrk", "hreset", "uiret", "testui", "clui", "stui", "gf2p8affineqb",
        "gf2p8affineinvqb", "gf2p8mulb", "lkgs", "tdcall", "seamcall", "seamret", "seamops", "aesenc128kl", "aesdec128kl",
        "aesenc256kl", "aesdec256kl", "aesencwide128kl", "aesdecwide128kl", "aesencwide256kl", "aesdecwide256kl", "encodekey128",
        "encodekey256", "loadiwkey", "clrssbsy", "senduipi",
    ]

    /// Lengths Capstone gets wrong.
    static let capstoneLengths: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-ud1-no-modrm", oracle: "capstone", summary: "decodes UD1 (0f b9) without its ModRM byte",
            example: .init("0fb97d4be045ad8e75", .bits64), observed: .init(valid: true, length: 2, mnemonic: "ud1"),
            oracleSays: "ud2b (2 bytes), whatever ModRM, SIB and displacement follow", truth: "ud1 edi, dword ptr [rbp + 0x4b]: 4 bytes (SDM and APM: 0F B9 /r)",
            evidence: "Zydis: ud1 edi, dword ptr [rbp + 0x4b], 4 bytes. CPU (Zen 4): #UD already with only 0f b9 mapped, so the probe cannot see the length.",
            field: "length", control: .init("0f0b", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard p.at(0) == 0x0F, p.at(1) == 0xB9, answer.length == p.opcode + 2 else { return false }
                if field == "valid" { return modrmCutOff(p, bytes, others) }
                guard field == "length", let m = p.modrmBytes(at: 2) else { return false }
                return others.agreedLength == p.opcode + 2 + m
            }),
        KnownOracleBug(
            id: "capstone-ud0-no-modrm-intel", oracle: "capstone", summary: "decodes UD0 (0f ff) without ModRM for Intel",
            example: .init("0fff15d63ea2b1901c", .bits64, .intel), observed: .init(valid: true, length: 2, mnemonic: "ud0"),
            oracleSays: "ud0 (2 bytes): the AMD form, whatever the vendor", truth: "Intel: ud0 edx, dword ptr [rip - 0x4e5dc12a], 7 bytes (SDM: 0F FF /r)",
            evidence: "Zydis (Intel rules): ud0 edx, dword ptr [rip - 0x4e5dc12a], 7 bytes. For vendor amd Capstone is right (APM: no ModRM).",
            field: "length", control: .init("0fff15d63ea2b1901c", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard vendor == .intel, p.at(0) == 0x0F, p.at(1) == 0xFF, answer.length == p.opcode + 2 else { return false }
                if field == "valid" { return modrmCutOff(p, bytes, others) }
                guard field == "length", let m = p.modrmBytes(at: 2) else { return false }
                return others.agreedLength == p.opcode + 2 + m
            }),
        KnownOracleBug(
            id: "capstone-rex-w-66-ret-imm", oracle: "capstone", summary: "reads 4 immediate bytes for RET Iw with 66 and REX.W",
            example: .init("664cc24d9d0000", .bits64), observed: .init(valid: true, length: 7, mnemonic: "ret"),
            oracleSays: "ret 0x9d4d, 7 bytes; with exactly the 5 bytes 66 4c c2 4d 9d: invalid",
            truth: "ret 0x9d4d, 5 bytes: Iw is 2 bytes and REX.W beats 66 (pops 8 bytes)",
            evidence: "Zydis: ret 0x9d4d, 5 bytes. CPU: fetches 5 bytes. Capstone gets 66 c2, 48 c2 and 66 48 ca right.",
            field: "length", control: .init("66c24d9d", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard p.has(0x66), p.rexW, p.at(0) == 0xC2, others.agreedLength == p.opcode + 3 else { return false }
                return field == "length" ? answer.length == p.opcode + 5 : (field == "valid" && !answer.valid && bytes.count < p.opcode + 5)
            }),
        KnownOracleBug(
            id: "capstone-67-rex-w-as-66", oracle: "capstone",
            summary: "with 67 and REX.W in 64-bit mode, treats 67 as 66: RET Iw, CALL Jz and 66-selected SSE forms",
            example: .init("6749c268b0031153", .bits64), observed: .init(valid: true, length: 7, mnemonic: "ret"),
            oracleSays: "ret 0xb068, 7 bytes (4 immediate bytes); 67 4c e8 e7 db 3a bf: call 0xdbec, 5 bytes (rel16); 67 4e 0f e6 bc …: cvttpd2dq (the 66 0f e6 form), 10 bytes",
            truth: "ret 0xb068: 5 bytes (67 is the address size; Iw is 2 bytes); 67 4c e8 …: call rel32, 7 bytes; 67 4e 0f e6 …: #UD (NP 0F E6 is no instruction)",
            evidence: "Zydis: 5 and 7 bytes; invalid for 67 4e 0f e6. CPU (Zen 4): 67 49 c2 68 b0 and 67 4c e8 e7 db 3a bf fetch 5 and 7 bytes and execute; 67 4e 0f e6 bc 36 b3 c5 33 ab #UDs. Capstone gets 67 c2, 67 e8 and 41 c2 right.",
            field: "length", control: .init("6741c268b0031153", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                // With a 66 too where the 67 is the byte next to the REX.W (66 48 67 48 e8 …: rel16 for rel32).
                guard mode == .bits64, p.has(0x67), !p.has(0x66) || p.capstoneSelector == 0x67, p.rexW else { return false }
                // 67 4c c2 c4 e1 1f: the 4 immediate bytes Capstone wants are not there.
                if field == "valid" && p.at(0) == 0xC2 && !answer.valid && bytes.count < p.opcode + 5 {
                    return others.agreedLength == p.opcode + 3
                }
                // 67 4a e8 0f d1 (AMD): the rel32 is cut off (or passes 15 bytes), Capstone's rel16 fits.
                if field == "valid" && p.at(0) == 0xE8 && answer.valid && answer.length == p.opcode + 3 && min(bytes.count, 15) < p.opcode + 5 {
                    return others.rejected(for: ["truncated", "no-more-data", "too-long", "instruction-too-long"]) && others.rejected
                }
                if field == "valid" {
                    // The 66-selected form: the bytes with 66 for 67 are Capstone's instruction.
                    guard answer.valid, p.at(0) == 0x0F, others.rejected, others.rejected(for: ["bad-mandatory-prefix", "decoding-error"]),
                          let k = (0..<p.opcode).first(where: { bytes[$0] == 0x67 }) else { return false }
                    var twin = bytes
                    twin[k] = 0x66
                    let t = projectAnswer(twin, mode, vendor)
                    return t.valid && t.mnemonic == answer.mnemonic && t.length == answer.length
                }
                guard field == "length", let agreed = others.agreedLength else { return false }
                switch p.at(0) {
                case 0xC2: return agreed == p.opcode + 3 && answer.length == p.opcode + 5
                case 0xE8: return agreed == p.opcode + 5 && answer.length == p.opcode + 3
                default: return false
                }
            }),
        KnownOracleBug(
            id: "capstone-66-rep-push-imm", oracle: "capstone",
            summary: "reads a 4-byte immediate for PUSH Iz (68) with 66 followed by F2/F3 in 64-bit mode",
            example: .init("66f2684261e209fcb5", .bits64), observed: .init(valid: true, length: 7, mnemonic: "push"),
            oracleSays: "push 0x9e26142, 7 bytes (66 f3 68 with 6 bytes: invalid)", truth: "push 0x6142: 66 makes Iz 2 bytes, F2 is ignored; 5 bytes",
            evidence: "Zydis: push 0x6142, 5 bytes. CPU (Zen 4): 66 f2 68 42 61 and 66 f3 68 a1 c4 execute, 5 bytes. Capstone gets 66 68 and 32-bit 66 f2 68 right.",
            field: "length", control: .init("66f2684261e209fcb5", .bits32),
            matches: { bytes, mode, _, answer, others, field, p in
                guard mode == .bits64, p.at(0) == 0x68, let i66 = p.legacy.firstIndex(of: 0x66),
                      let iRep = p.legacy.lastIndex(where: { $0 == 0xF2 || $0 == 0xF3 }), i66 < iRep, others.agreedLength == p.opcode + 3
                else { return false }
                return field == "length" ? answer.length == p.opcode + 5 : (field == "valid" && !answer.valid && bytes.count < p.opcode + 5)
            }),
    ]

    static let capstoneModeRules: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-66-call-after-prefix", oracle: "capstone",
            summary: "drops the 16-bit offset of a 66-prefixed CALL when another prefix follows the 66 (64-bit AMD; 32-bit with F2/F3)",
            example: .init("663ee8c019da94", .bits64, .amd), observed: .init(valid: true, length: 7, mnemonic: "call"),
            oracleSays: "call rel32, 7 bytes, for 66 3e e8 / 66 26 e8 / 66 f2 e8 (64-bit) and 66 f2 e8 (32-bit); 66 e8, 3e 66 e8, 66 3e e9 (jmp) and 32-bit 66 3e e8 get rel16",
            truth: "66 makes the offset rel16 whatever prefixes follow (64-bit mode: on AMD): call 0x19c5, 5 bytes",
            evidence: "Zydis (AMD branches in 64-bit mode): 5 bytes. CPU (Zen 4): 66 3e e8 c0 19, 66 2e e8 0c 61, 3e 66 e8 c0 19 and 66 3e e9 c0 19 execute, 5 bytes, RIP truncated to 16 bits. For Intel in 64-bit mode (66 ignored) Capstone's 7 is right.",
            field: "length", control: .init("3e66e8c019da94", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard (mode == .bits64 && vendor == .amd) || mode == .bits32, field == "length" || field == "valid", p.at(0) == 0xE8, !p.rexW,
                      p.has(0x66), p.capstoneSelector != 0x66 else { return false }
                // The rel32 it wants is not there (66 66 66 67 e8 e8 66 0f: invalid).
                if field == "valid" { return !answer.valid && bytes.count < p.opcode + 5 && others.agreedLength == p.opcode + 3 }
                return answer.length == p.opcode + 5 && others.agreedLength == p.opcode + 3
            }),
        KnownOracleBug(
            id: "capstone-66-near-branch-intel", oracle: "capstone",
            summary: "gives 66-prefixed near branches a 16-bit offset in 64-bit mode for Intel too",
            example: .init("66e82e1b88e6", .bits64, .intel), observed: .init(valid: true, length: 4, mnemonic: "call"),
            oracleSays: "call 0x1b32 (4 bytes): the AMD rule, whatever the vendor",
            truth: "Intel: 66 is ignored, call rel32, 6 bytes",
            evidence: "Zydis (Intel): 6 bytes; Zydis with AMD branches: 4. CPU (AMD Zen 3): 4, as Capstone, which is right for amd. Where the rel32 does not fit the buffer or the 15-byte limit (66 0f 85 00 00; 12 prefixes + 66 e9) Capstone's 16-bit form makes it valid while Zydis and the project reject it.",
            field: "length", control: .init("66e82e1b88e6", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard vendor == .intel, mode == .bits64, field == "length" || field == "valid", p.has(0x66), !p.rexW,
                      let op = p.at(0) else { return false }
                let opcodeEnd = op == 0x0F ? p.opcode + 2 : p.opcode + 1
                let branch = op == 0xE8 || op == 0xE9 || (op == 0x0F && p.at(1).map { $0 & 0xF0 == 0x80 } == true)
                guard branch, answer.length == opcodeEnd + 2 else { return false }
                // The rel32 is cut off by the buffer or by the 15-byte limit (66 0f 85 00 00: Capstone jne, 5 bytes).
                if field == "valid" { return others.rejected && (opcodeEnd + 4 > bytes.count || opcodeEnd + 4 > 15) }
                return others.agreedLength == opcodeEnd + 4
            }),
        KnownOracleBug(
            id: "capstone-64bit-fs-gs-shadowed", oracle: "capstone",
            summary: "in 64-bit mode lets an ignored ES/CS/SS/DS override that follows FS/GS win",
            example: .init("64260000", .bits64), observed: .init(valid: true, length: 4, mnemonic: "add"),
            oracleSays: "add byte ptr es:[rax], al (normalized: ds)", truth: "fs:[rax]: FS/GS apply, ES/CS/SS/DS are ignored",
            evidence: "Zydis: fs. CPU: 64 26 8b 00 faults like 64 8b 00 (FS base), 26 8b 00 reads the data.",
            field: "operand.segment", control: .init("26640000", .bits64),
            matches: { bytes, mode, _, answer, _, field, p in
                guard mode == .bits64, kind(field) == "operand.segment", p.has(0x64) || p.has(0x65),
                      let last = p.lastSegment, last != 0x64 && last != 0x65 else { return false }
                return answer.operands.contains { $0.kind == .memory && $0.segment != "fs" && $0.segment != "gs" }
            }),
        KnownOracleBug(
            id: "capstone-16bit-cbw-cwd", oracle: "capstone", summary: "names 98/99 by the 32-bit forms in 16-bit mode",
            example: .init("99", .bits16), observed: .init(valid: true, length: 1, mnemonic: "cdq"),
            oracleSays: "cdq (98: cwde)", truth: "cwd (98: cbw): the operand size is 16 bits",
            evidence: "Zydis: cwd / cbw. With 66 (66 99) both say cdq.", field: "mnemonic", control: .init("6699", .bits16),
            matches: { bytes, mode, _, answer, _, field, p in
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
            matches: { _, _, _, answer, others, field, _ in
                guard kind(field) == "operand.size", ["les", "lds", "lss", "lfs", "lgs"].contains(answer.mnemonic ?? ""),
                      answer.operands.count == 2, let reg = answer.operands[0].size else { return false }
                let mem = answer.operands[1]
                return mem.kind == .memory && mem.size != reg + 2 && others.values.contains { $0.operands.last?.size == reg + 2 }
            }),
    ]
}

extension KnownOracleBugs {
    /// Capstone's ModRM-less UD0/UD1 fits the buffer, the real one does not: the ModRM, SIB or
    /// displacement is missing, or it would pass 15 bytes (0f ff a9 alone: Capstone ud0, 2 bytes).
    static func modrmCutOff(_ p: PrefixScan, _ bytes: [UInt8], _ others: [String: DecodeAnswer]) -> Bool {
        guard others.rejected(for: ["truncated", "no-more-data", "too-long", "instruction-too-long"]), others.rejected else { return false }
        guard let m = p.modrmBytes(at: 2) else { return true }
        return p.opcode + 2 + m > min(bytes.count, 15)
    }
}
