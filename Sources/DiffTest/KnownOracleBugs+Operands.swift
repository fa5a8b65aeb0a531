import X86Decoder

/// Known oracle bugs found by fuzz-differential (Corpus/fuzz/differential-buckets.tsv) in fields
/// after the length: operand sizes, registers, branch targets, mnemonics chosen from the wrong
/// prefix. Most are Capstone 4.0.2's; each matcher checks that the other decoder sides with the
/// project on the field, or (where both are wrong) what the CPU does.
extension KnownOracleBugs {
    static let operandBugs: [KnownOracleBug] = capstonePrefixBugs + capstoneSizeBugs + capstoneRegisterBugs + branchTargetBugs
        + amdIndirectBranchBugs + zydisOperandBugs + differentialBugs

    // MARK: Helpers

    /// The other decoder (not the project) decodes the bytes and agrees with the project on
    /// `field`.
    static func peerSidesWithProject(_ others: [String: DecodeAnswer], _ field: String) -> Bool {
        guard let project = others["project"], project.valid,
              let peer = others.first(where: { $0.key != "project" })?.value, peer.valid else { return false }
        return !compare(project, peer).contains { $0.field == field }
    }

    /// The operand a field names (`operand[1].size` -> operand 1), if the answer has it.
    static func operand(_ answer: DecodeAnswer?, _ field: String) -> OperandAnswer? {
        guard let a = answer, let k = FieldDifference(field: field, left: "", right: "").operandIndex, k < a.operands.count else { return nil }
        return a.operands[k]
    }

    /// The bytes as the project sees them without the legacy prefixes in `drop` (ignored REX
    /// bytes go too, so that the REX that counted still counts), or nil when none is there.
    static func withoutPrefixes(_ bytes: [UInt8], _ mode: Mode, _ drop: Set<UInt8>) -> [UInt8]? {
        let p = PrefixScan(bytes, mode)
        let kept = bytes[..<p.opcode].filter { PrefixScan.legacyPrefixes.contains($0) && !drop.contains($0) }
        guard kept.count < p.legacy.count else { return nil }
        return kept + (p.rex != 0 ? [p.rex] : []) + bytes[p.opcode...]
    }

    /// Capstone's answer is, field for field, the project's answer for the bytes without the
    /// prefixes in one of `drops`: the shape of "Capstone lost that prefix". Memory sizes are
    /// not compared (Capstone sizes some memory operands wrongly on its own: the twin of 16-bit
    /// `66 0f 62 01` is `0f 62 01`, m32, which Capstone calls m64, capstone-mmx-unpack-low-memory-size).
    static func decodesWithoutPrefix(_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor, _ answer: DecodeAnswer,
                                     _ drops: [Set<UInt8>]) -> Bool {
        guard answer.valid, let length = answer.length else { return false }
        for drop in drops {
            guard let twin = withoutPrefixes(bytes, mode, drop) else { continue }
            var t = projectAnswer(twin, mode, vendor)
            var same = answer
            same.length = length - (bytes.count - twin.count)
            // In 64-bit mode not the segment either: Capstone lets an ignored override after FS/GS win
            // on its own (capstone-64bit-fs-gs-shadowed; 3e 64 26 67 f3 0f ae 62: xsave ds: for fs:).
            for k in t.operands.indices where t.operands[k].kind == .memory {
                t.operands[k].size = nil
                if mode == .bits64 { t.operands[k].segment = nil }
            }
            for k in same.operands.indices where same.operands[k].kind == .memory {
                same.operands[k].size = nil
                if mode == .bits64 { same.operands[k].segment = nil }
            }
            if t.valid && compare(t, same).isEmpty { return true }
        }
        return false
    }

    /// The project's answer for the bytes without the prefixes in `drop` has Capstone's value in
    /// `field` (the lengths set aside: dropping a 66 changes an immediate's size).
    static func fieldAsWithoutPrefix(_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor, _ answer: DecodeAnswer,
                                     _ field: String, _ drop: Set<UInt8>) -> Bool {
        guard answer.valid, let twin = withoutPrefixes(bytes, mode, drop) else { return false }
        // Zero bytes after it: without the 66 an immediate may be longer than the buffer. Past
        // 15 bytes then, without repeated prefixes (32-bit 65 65 65 65 66 65 65 65 65 f3 f3 81 d8
        // 3f 0f: the imm32 makes the twin 16 bytes long).
        var t = projectAnswer(twin + [UInt8](repeating: 0, count: 8), mode, vendor)
        if !t.valid { t = projectAnswer(PrefixScan(twin, mode).withoutRepeatedPrefixes + [UInt8](repeating: 0, count: 8), mode, vendor) }
        // Still past 15 bytes: without the segment overrides too, unless the field is the
        // segment (64-bit f0 64 66 26 67 f2 47 81 81 81 81 a5 ff 41 7a: 15 bytes with its imm16;
        // without the 66 the imm32 makes 16).
        if !t.valid, kind(field) != "operand.segment", let short = withoutPrefixes(twin, mode, [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65]) {
            t = projectAnswer(short + [UInt8](repeating: 0, count: 8), mode, vendor)
        }
        guard t.valid else { return false }
        t.length = answer.length
        return !compare(t, answer).contains { $0.field == field || $0.field == "operands.count" }
    }

    static func target(_ op: OperandAnswer?) -> UInt64? { hexValue(op?.target) }

    /// "0x1f" -> 31.
    static func hexValue(_ text: String?) -> UInt64? {
        guard let t = text, t.hasPrefix("0x") else { return nil }
        return UInt64(t.dropFirst(2), radix: 16)
    }

    // MARK: Capstone loses a prefix

    static let capstonePrefixBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-mandatory-prefix-lost", oracle: "capstone",
            summary: "decodes the form without its mandatory 66/F2/F3 in 16-bit mode, when another prefix follows the 66, or when 66 and F2/F3 meet",
            example: .init("f30f10c7", .bits16), observed: .init(valid: true, length: 4, mnemonic: "movups"),
            oracleSays: "movups xmm0, xmm7 (16-bit f3 0f 10 c7: the NP form); also 16-bit 66 0f 62 01 (punpckldq mm0), 64-bit 66 65 0f f3 (psllq mm1), f3 66 0f c2 (cmppd), f3 0f ae 70 (xsaveopt for clrssbsy), f3 0f c7 f7 (rdrand for senduipi), 16-bit f3 90 (nop)",
            truth: "movss xmm0, xmm7 (F3 0F 10 /r), 4 bytes: the mandatory prefix selects the form in every mode, whatever other prefixes come with it; F3 beats 66",
            evidence: "Zydis: movss xmm0, xmm7 (and the project's form for every other example). CPU (Zen 4, 64-bit): 66 65 0f f3 0f, 66 36 0f 74 69 bd, f3 66 0f c2 f3 f3 execute with the project's lengths (5, 6, 6 bytes). The matcher checks that Capstone's whole answer is the project's for the bytes without the 66, the F2/F3, or both, and that Zydis agrees with the project on the field.",
            field: "mnemonic", control: .init("f30f10c7", .bits32),
            matches: { bytes, mode, vendor, answer, others, field, p in
                let k = kind(field)
                guard p.at(0) == 0x0F || p.at(0) == 0x90, p.has(0x66) || p.lastRep != nil else { return false }
                // The form needs its 66, Capstone lost it and found nothing: 64-bit 65 66 67 66 66 36
                // 0f e6 … (cvttpd2dq) is invalid to Capstone; without the 66 it is invalid to the project too.
                // Likewise F2/F3 followed by another prefix (f2 … f2 36 36 0f 7c: haddps, Capstone invalid).
                // Or Capstone finds the form without the prefix where the real one is cut off (16-bit
                // 67 f2 0f 78 f8 3f: insertq needs two more bytes; Capstone: vmread, 5 bytes).
                if field == "valid" && answer.valid {
                    return others.rejected && decodesWithoutPrefix(bytes, mode, vendor, answer, [[0xF2, 0xF3], [0x66], [0x66, 0xF2, 0xF3]])
                }
                if field == "valid" {
                    guard !answer.valid, others.accepted else { return false }
                    for drop: Set<UInt8> in [[0x66], [0xF2, 0xF3]] where p.legacy.contains(where: drop.contains) {
                        guard mode == .bits16 || !drop.contains(p.legacy.last ?? 0),
                              let twin = withoutPrefixes(bytes, mode, drop) else { continue }
                        // No form without it, or one Capstone does not know (66 36 0f 38 f6: wrssd).
                        let t = projectAnswer(twin, mode, vendor)
                        if !t.valid || capstoneUnknownMnemonics.contains(t.mnemonic ?? "") { return true }
                    }
                    return false
                }
                // A size that differs because the instruction differs (xsaveopt m? for clwb m8): Zydis
                // sides with the project on the mnemonic.
                let sameForm = peerSidesWithProject(others, field)
                    || (answer.mnemonic != others["project"]?.mnemonic && peerSidesWithProject(others, "mnemonic"))
                guard k == "mnemonic" || k == "operands.count" || k.hasPrefix("operand.") || k == "length", sameForm else { return false }
                return decodesWithoutPrefix(bytes, mode, vendor, answer, [[0xF2, 0xF3], [0x66], [0x66, 0xF2, 0xF3]])
            }),
        KnownOracleBug(
            id: "capstone-66-not-last-prefix", oracle: "capstone",
            summary: "sizes memory operands, immediates and the accumulator (and names string/convert/jcxz forms) as if the 66 (or 67) were absent when another prefix follows it",
            example: .init("66f30162f1", .bits64), observed: .init(valid: true, length: 5, mnemonic: "add"),
            oracleSays: "add dword ptr [rdx - 0xf], sp (66 f3 01 62 f1: memory size 4, register sp); also 66 f3 0d (or eax, imm32 size 4 with the 2-byte length), 66 3e 97 (xchg di, eax), 66 65 36 f3 6d (insd), 67 66 3e 99 (cdq), 66 f3 f7 (test m4, i4); 64-bit 66 66 66 67 66 e3 (jrcxz)",
            truth: "add word ptr [rdx - 0xf], sp: 66 sets the operand size of every operand whatever prefixes follow it",
            evidence: "Zydis: word, sp (and the project's answer in every example). CPU (Zen 4): 66 f3 01 62 f1 and 66 f3 0d 0f 84 execute with the 16-bit lengths (5 and 5 bytes); Capstone's own length and ModRM.reg register are the 16-bit ones. The matcher checks that Capstone's value in the field is the project's for the bytes without the 66.",
            field: "operand.size", control: .init("f3660162f1", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                let k = kind(field)
                // The value too where the size cuts it (66 f3 83 f3 f3: xor bx, 0xfffffff3 for 0xfff3).
                guard k == "operand.size" || k == "operand.register" || k == "operand.value" || k == "mnemonic", !p.rexW,
                      peerSidesWithProject(others, field) else { return false }
                // 67 likewise (64-bit 66 66 66 67 66 e3: jrcxz, the 64-bit address size). "Last"
                // as Capstone reads it: two REX bytes in between hide it too (66 41 41 97: xchg
                // r15w, eax; 67 67 40 42 e3: jrcxz), see PrefixScan.capstoneSelector.
                for prefix: UInt8 in [0x66, 0x67] where p.has(prefix) && p.capstoneSelector != prefix {
                    if fieldAsWithoutPrefix(bytes, mode, vendor, answer, field, [prefix]) { return true }
                }
                return false
            }),
        KnownOracleBug(
            id: "capstone-mandatory-prefix-position", oracle: "capstone",
            summary: "takes the mandatory prefix of a 0F-map form (and of PAUSE) only from the byte right before the opcode or its single REX",
            example: .init("664c4c0fd0c0", .bits64), observed: .init(valid: false),
            oracleSays: "invalid for 66 4c 4c 0f d0 c0 (two REX bytes: the byte before the last REX is a REX, so no 66 selects addsubpd); f2 66 0f 10 c0: movupd (the 66 next to the opcode wins); 66 2e 0f 58 c0: addps; f3 67 0f 10 c0: movups; f3 2e 90: nop; f3 67 67 4c 0f f7 ff: maskmovdqu (67 with REX.W next to the opcode reads as 66)",
            truth: "addsubpd xmm8, xmm0 (66 0F D0 /r), 6 bytes: the last F2/F3 selects the form wherever it stands among the prefixes, else a 66 (SDM Vol. 2 2.1.1 and the 0F-map tables); of REX bytes the last counts; f2 66 0f 10 c0 is movsd",
            evidence: "Zydis: movsd, addpd, movss, pause, addsubpd xmm8, xmm0, and invalid for f3 67 67 4c 0f f7 ff, like the project. CPU (Zen 4): 66 4c 4c 4c 4c 0f d0 5b 24, 67 66 4c 4c 0f 6d 4c 0f 66, 4c 66 4c 4c 4c 4c 4c 0f 3a 0c 66 66 and 67 f3 f2 f2 66 64 0f 7d 62 execute with the project's lengths (Capstone: invalid); f3 67 67 4c 0f f7 ff, f2 67 4f 0f 29 f3 and 67 67 48 0f 3a 16 24 3a 10 #UD (Capstone: maskmovdqu, movapd, pextrd). Capstone itself: 66 f2 0f 10 c0 movsd, 66 4c 0f d0 c0 addsubpd. The matcher rebuilds the bytes with the prefixes as Capstone reads them (PrefixScan.capstoneTwin) and checks that the project decodes that twin as Capstone decodes the bytes, or that Capstone decodes both alike and the twin's own difference is another registered bug.",
            field: "valid", control: .init("664c0fd0c0", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, _ in
                capstoneReadsPrefixesAsTwin(bytes, mode, vendor, answer, others, field)
            }),
    ]

    // MARK: Capstone operand sizes

    /// A Capstone memory-size bug: `field` is an operand size, the operand is memory in both
    /// answers, Capstone says `wrong`, the project one of `truth`, Zydis sides with the project.
    static func capstoneMemorySize(_ field: String, _ answer: DecodeAnswer, _ others: [String: DecodeAnswer],
                                   wrong: Set<Int>, truth: Set<Int>) -> Bool {
        guard kind(field) == "operand.size", let mine = operand(answer, field), mine.kind == .memory,
              let theirs = operand(others["project"], field), theirs.kind == .memory,
              let w = mine.size, wrong.contains(w), let t = theirs.size, truth.contains(t), w != t else { return false }
        return peerSidesWithProject(others, field)
    }

    static let capstoneSizeBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-movsxd-without-rex-w", oracle: "capstone",
            summary: "names a 64-bit destination for MOVSXD without REX.W (and a 32-bit source with 66)",
            example: .init("63f4", .bits64), observed: .init(valid: true, length: 2, mnemonic: "movsxd"),
            oracleSays: "movsxd rsi, esp (63 f4); 66 63 c0: movsxd rax, eax",
            truth: "movsxd esi, esp (SDM: 63 /r MOVSXD r32, r/m32; 66 63 /r MOVSXD r16, r/m16: movsxd ax, ax)",
            evidence: "Zydis: movsxd esi, esp; movsxd ax, ax. Capstone gets 48 63 f4 (movsxd rsi, esp) right.",
            field: "operand.register", control: .init("4863f4", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard mode == .bits64, !p.rexW, p.at(0) == 0x63, kind(field) == "operand.register" || kind(field) == "operand.size",
                      let op = operand(answer, field), peerSidesWithProject(others, field) else { return false }
                let k = FieldDifference(field: field, left: "", right: "").operandIndex
                return (k == 0 && op.size == 8) || (k == 1 && p.has(0x66) && op.size == 4)
            }),
        KnownOracleBug(
            id: "capstone-far-indirect-memory-size", oracle: "capstone",
            summary: "sizes the m16:16/m16:32 far pointer of CALL/JMP far (ff /3, ff /5) wrongly",
            example: .init("66ff1f", .bits16), observed: .init(valid: true, length: 3, mnemonic: "call"),
            oracleSays: "lcall dword ptr [bx] (16-bit 66 ff 1f: size 4, the offset only); 64-bit ff 18: tbyte (10, m16:64 without REX.W); 64-bit 66 ff 6d f0: tbyte for m16:16; 32-bit 67 66 ff ae …: fword for m16:16",
            truth: "call far m16:32: 6 bytes (16-bit 66 ff 1f; 64-bit ff 18); m16:16 is 4, m16:64 (REX.W) 10",
            evidence: "Zydis: fword (6) for both. Capstone itself says 4 for 16-bit ff 1f (m16:16, right), fword for 32-bit ff 18 (right) and tbyte for 48 ff 18 (right): its size follows neither the mode nor the prefixes consistently, so this is a wrong size, not a spelling.",
            field: "operand.size", control: .init("ff1f", .bits16),
            matches: { bytes, mode, _, answer, others, field, p in
                guard p.at(0) == 0xFF, let m = p.modrm(at: 1), m.mod != 3, m.reg == 3 || m.reg == 5 else { return false }
                return capstoneMemorySize(field, answer, others, wrong: [4, 6, 10], truth: [4, 6])
            }),
        KnownOracleBug(
            id: "capstone-mmx-unpack-low-memory-size", oracle: "capstone",
            summary: "sizes the m32 source of MMX PUNPCKLBW/PUNPCKLWD/PUNPCKLDQ as m64",
            example: .init("0f6222", .bits64), observed: .init(valid: true, length: 3, mnemonic: "punpckldq"),
            oracleSays: "punpckldq mm4, qword ptr [rdx]", truth: "punpckldq mm4, dword ptr [rdx] (SDM: NP 0F 62 /r PUNPCKLDQ mm, mm/m32)",
            evidence: "Zydis: dword. The xmm forms (66 0f 62) read m128 and Capstone agrees there.",
            field: "operand.size", control: .init("660f6222", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                ["punpcklbw", "punpcklwd", "punpckldq"].contains(answer.mnemonic ?? "") && answer.operands.first?.register?.hasPrefix("mm") == true
                    && capstoneMemorySize(field, answer, others, wrong: [8], truth: [4])
            }),
        KnownOracleBug(
            id: "capstone-scalar-memory-size", oracle: "capstone",
            summary: "sizes the scalar memory operand of (V)(U)COMISS/SD and of EVEX scalar forms as a whole xmm (16)",
            example: .init("660f2f21", .bits64), observed: .init(valid: true, length: 4, mnemonic: "comisd"),
            oracleSays: "comisd xmm4, xmmword ptr [rcx]; also c4 e1 79 2f (vcomisd), EVEX 62 f1 7e 08 58 (vaddss), 62 f2 7d 08 ab (vfmsub213ss), 62 f2 7d 08 cb (vrcp28ss) …",
            truth: "comisd xmm4, qword ptr [rcx] (SDM: COMISD xmm1, xmm2/m64); the ss forms read m32, sd m64",
            evidence: "Zydis: qword (dword for ss). Capstone sizes the VEX forms of vaddss/vfmsub213ss right (dword).",
            field: "operand.size", control: .init("660f5821", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                // EVEX vmovq xmm, m64 (62 f1 fe 08 7e 50 50) likewise.
                guard let name = answer.mnemonic, name.hasSuffix("ss") || name.hasSuffix("sd") || name.hasSuffix("sh") || name == "vmovq"
                else { return false }
                return capstoneMemorySize(field, answer, others, wrong: [16], truth: [2, 4, 8])
            }),
        KnownOracleBug(
            id: "capstone-lar-lsl-memory-size", oracle: "capstone", summary: "sizes the m16 selector of LAR/LSL as the operand size",
            example: .init("0f0300", .bits64), observed: .init(valid: true, length: 3, mnemonic: "lsl"),
            oracleSays: "lsl eax, dword ptr [rax]", truth: "lsl eax, word ptr [rax] (SDM: LSL r32, r32/m16)",
            evidence: "Zydis: word. With 66 (66 0f 03 00) Capstone says word too.",
            field: "operand.size", control: .init("660f0300", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                ["lar", "lsl"].contains(answer.mnemonic ?? "") && capstoneMemorySize(field, answer, others, wrong: [4, 8], truth: [2])
            }),
        KnownOracleBug(
            id: "capstone-x87-memory-size", oracle: "capstone",
            summary: "sizes FNSTSW m2byte as 4, the 14-byte x87 environment (16-bit operand size) as 28, and the FNSAVE/FXSAVE areas by the operand size",
            example: .init("dd38", .bits64), observed: .init(valid: true, length: 2, mnemonic: "fnstsw"),
            oracleSays: "fnstsw dword ptr [rax]; 66 d9 26 (fldenv, 16-bit operand size): 28 bytes; 16-bit dd 32 (fnsave): 4; 0f ae 0f (fxrstor): 8",
            truth: "fnstsw word ptr [rax] (SDM: FNSTSW m2byte); fldenv with a 16-bit operand size reads 14 bytes",
            evidence: "Zydis: 2, 14, 94, 512. SDM FLDENV/FSTENV: 14 bytes with a 16-bit operand size, 28 with 32 (Capstone gets d9 26 without 66 right); FNSAVE 94/108 bytes; FXSAVE 512.",
            field: "operand.size", control: .init("d938", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                let name = answer.mnemonic ?? ""
                if name == "fnstsw" { return capstoneMemorySize(field, answer, others, wrong: [4], truth: [2]) }
                // 16-bit dd 32: fnsave m4 for the 94-byte state; 0f ae 0f: fxrstor m8 for 512 bytes.
                if ["fnsave", "frstor"].contains(name) { return capstoneMemorySize(field, answer, others, wrong: [2, 4, 8], truth: [94, 108]) }
                if ["fxsave", "fxrstor", "fxsave64", "fxrstor64"].contains(name) {
                    return capstoneMemorySize(field, answer, others, wrong: [2, 4, 8], truth: [512])
                }
                // And the other way in 16-bit mode with 66 (2e 66 d9 66 66: 14 for 28).
                return ["fldenv", "fnstenv"].contains(name) && (capstoneMemorySize(field, answer, others, wrong: [28], truth: [14])
                    || capstoneMemorySize(field, answer, others, wrong: [14], truth: [28]))
            }),
        KnownOracleBug(
            id: "capstone-66-push-imm-size", oracle: "capstone", summary: "sizes the immediate of PUSH with 66 in 64-bit mode as 8 bytes",
            example: .init("666a6f", .bits64), observed: .init(valid: true, length: 3, mnemonic: "push"),
            oracleSays: "push 0x6f (size 8; 66 68 66 66: size 8 too)", truth: "pushw 0x6f: 66 makes the operand size 16, the immediate is pushed as 2 bytes",
            evidence: "Zydis: size 2. CPU (Zen 4): 66 6a 6f with RSP 0 faults writing 0xfffffffffffffffe (a 2-byte push). Capstone's length (3; 66 68: 4) is the 16-bit one.",
            field: "operand.size", control: .init("6a6f", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                // The value too: 66 6a f2 is "push 0xfffffffffffffff2" (size 8) for 0xfff2.
                // 67 next to a REX.W reads as 66 to Capstone (capstone-67-rex-w-as-66: 67 4f 68 6e 76 6c f2).
                guard mode == .bits64, p.has(0x66) || p.capstoneMandatory == 0x66, p.at(0) == 0x6A || p.at(0) == 0x68,
                      peerSidesWithProject(others, field) else { return false }
                // With REX.W too (66 49 68 19 ff ff ff: push 0xffffff19 for 0xffffffffffffff19): the
                // imm32 is not sign-extended to the 64-bit operand.
                if p.rexW {
                    guard field == "operand[0].value", let mine = hexValue(answer.operands.first?.value),
                          let truth = hexValue(others["project"]?.operands.first?.value) else { return false }
                    return mine <= 0xFFFF_FFFF && mine & 0x8000_0000 != 0 && truth == mine | 0xFFFF_FFFF_0000_0000
                }
                return (field == "operand[0].size" || field == "operand[0].value") && answer.operands.first?.size == 8
            }),
    ]

    // MARK: Capstone registers, names and forms

    /// Register number and class of a vector/GPR name: "xmm19" -> ("xmm", 19), "r9d" -> ("r*d", 9).
    static func registerNumber(_ name: String) -> (String, Int)? {
        for prefix in ["xmm", "ymm", "zmm"] where name.hasPrefix(prefix) {
            return Int(name.dropFirst(3)).map { (prefix, $0) }
        }
        return nil
    }

    static let capstoneRegisterBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-high-vector-register-outside-64bit", oracle: "capstone",
            summary: "names xmm8-xmm31 outside 64-bit mode from EVEX.R'/R/X or the is4 byte's bit 7",
            example: .init("62e1fd58584220", .bits16), observed: .init(valid: true, length: 7, mnemonic: "vaddpd"),
            oracleSays: "vaddpd zmm16, zmm0, qword ptr [bp + si + 0x100] {1to8}; 32-bit c4 e3 f9 6d c3 f7: vfmsubpd with xmm15 (is4 f7)",
            truth: "zmm0: outside 64-bit mode only registers 0-7 exist; EVEX.R' and is4 bit 7 are ignored (SDM 2.7.x: EVEX.R', X, B and V' are not used outside 64-bit mode)",
            evidence: "Zydis: zmm0, xmm7. The same bytes in 64-bit mode name zmm16/xmm15 in every decoder.",
            field: "operand.register", control: .init("62e1fd58584220", .bits64),
            matches: { _, mode, _, answer, others, field, _ in
                guard mode != .bits64, kind(field) == "operand.register", let mine = operand(answer, field)?.register,
                      let theirs = operand(others["project"], field)?.register, let m = registerNumber(mine), let t = registerNumber(theirs),
                      m.0 == t.0, m.1 >= 8, m.1 % 8 == t.1 else { return false }
                return peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-evex-w-outside-64bit", oracle: "capstone", summary: "ignores EVEX.W1 outside 64-bit mode where W selects the element size (VMOVDQU64, VINSERTF64X2 …)",
            example: .init("62f1fe086fff", .bits32), observed: .init(valid: true, length: 6, mnemonic: "vmovdqu32"),
            oracleSays: "vmovdqu32 xmm7, xmm7 (EVEX.W1); 32-bit 62 f3 fd 48 18 …: vinsertf32x4 for vinsertf64x2, 62 f3 fd 48 1a: vinsertf32x8", truth: "vmovdqu64 xmm7, xmm7: EVEX.F3.0F.W1 6F is VMOVDQU64 in every mode",
            evidence: "Zydis: vmovdqu64. In 64-bit mode Capstone says vmovdqu64.",
            field: "mnemonic", control: .init("62f1fe086fff", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard mode != .bits64, field == "mnemonic", let e = p.evex, e.p1 & 0x80 != 0, peerSidesWithProject(others, field) else { return false }
                // The twin with EVEX.W cleared is Capstone's instruction (vinsertf64x2 -> vinsertf32x4).
                var twin = bytes
                twin[p.opcode + 2] &= 0x7F
                return projectAnswer(twin, mode, vendor).mnemonic == answer.mnemonic
            }),
        KnownOracleBug(
            id: "capstone-evex-v-prime-as-index", oracle: "capstone",
            summary: "with EVEX.V' = 0 names a vector index register for ordinary (non-VSIB) memory operands",
            example: .init("62715c40583c0a", .bits64), observed: .init(valid: true, length: 7, mnemonic: "vaddps"),
            oracleSays: "vaddps zmm15, zmm20, zmmword ptr [rdx + xmm1]", truth: "vaddps zmm15, zmm20, zmmword ptr [rdx + rcx]: V' extends vvvv, and only VSIB forms have a vector index",
            evidence: "Zydis: [rdx + rcx]. With V' = 1 (62 71 5c 48 …) Capstone says rcx.",
            field: "operand.index", control: .init("62715c48583c0a", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                // Also where there is no index at all (62 f3 fd 00 3e 64 …: [rsp + xmm4*2]; the scale
                // comes with it).
                guard kind(field) == "operand.index" || kind(field) == "operand.scale", let mine = operand(answer, field)?.index,
                      mine.hasPrefix("xmm") || mine.hasPrefix("ymm") || mine.hasPrefix("zmm"), let theirs = operand(others["project"], field),
                      theirs.index.map({ Normalization.registerSize($0).map { $0 <= 8 } == true }) ?? true else { return false }
                return peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-evex-disp8-scale", oracle: "capstone", summary: "scales an EVEX disp8 by the vector size for scalar and broadcast forms",
            example: .init("62f1ff08c24520e6", .bits64), observed: .init(valid: true, length: 8, mnemonic: "vcmpsd"),
            oracleSays: "vcmpsd k0, xmm0, qword ptr [rbp + 0x200], 0xe6 (disp8 0x20 × 16)", truth: "[rbp + 0x100]: Tuple1 Scalar, N = 8 (SDM Table 2-35: disp8 × N, N the element size)",
            evidence: "Zydis: [rbp + 0x100].", field: "operand.displacement", control: .init("62f1ff08c2c5e6", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard kind(field) == "operand.displacement", p.evex != nil, let op = p.vectorOpcode, let m = p.modrm(at: op.modrm), m.mod == 1,
                      let mine = operand(answer, field)?.displacement, let theirs = operand(others["project"], field)?.displacement,
                      let d8 = p.at(op.modrm + (m.rm == 4 && p.addressSize != 16 ? 2 : 1)).map({ Int64(Int8(bitPattern: $0)) }), d8 != 0
                else { return false }
                // Both are the same disp8 times a power of two, Capstone's N the wrong one (too small
                // too: 62 d2 7d 4a 46 46: vpsravd zmm, [r14 + 0x46 × 16] for × 64).
                let scales: [Int64] = [1, 2, 4, 8, 16, 32, 64]
                return scales.contains { mine == d8 * $0 } && scales.contains { theirs == d8 * $0 } && peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-w1-operand-order", oracle: "capstone", summary: "keeps the W0 operand order for XOP.W1 and VEX.W1 forms whose W swaps two sources",
            example: .init("8fe8e0a2e8e0", .bits64), observed: .init(valid: true, length: 6, mnemonic: "vpcmov"),
            oracleSays: "vpcmov xmm5, xmm3, xmm0, xmm14 (W1: is4 register and ModRM.rm swapped back); also XOP vpshlb/vprot*/vpsha* (vvvv and ModRM.rm), VEX vpermil2pd",
            truth: "vpcmov xmm5, xmm3, xmm14, xmm0: with XOP.W1 the third operand comes from is4 and the fourth from ModRM.rm (APM VPCMOV: XOP.W1 form)",
            evidence: "Zydis: xmm14, xmm0.", field: "operand.register", control: .init("8fe860a2e8e0", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard p.vex3W == true, kind(field) == "operand.register", let k = FieldDifference(field: field, left: "", right: "").operandIndex,
                      k >= 1, let project = others["project"], answer.operands.count == project.operands.count else { return false }
                // Outside 64-bit mode Capstone also keeps is4's bit 7 (capstone-high-vector-register-
                // outside-64bit): 16-bit 8f e8 f8 a2 f6 f8 is "vpcmov …, xmm6, xmm15" for xmm7, xmm6.
                var mine = answer.operands
                if mode != .bits64 {
                    for j in mine.indices {
                        if let name = mine[j].register, let rn = registerNumber(name), rn.1 >= 8 {
                            mine[j].register = rn.0 + String(rn.1 % 8)
                        }
                    }
                }
                // Operands k and k+1 or k-1 and k are swapped, everything else equal.
                for j in [k - 1, k + 1] where j >= 1 && j < answer.operands.count {
                    var swapped = project.operands
                    swapped.swapAt(j, k)
                    if swapped == mine { return peerSidesWithProject(others, field) }
                }
                return false
            }),
        KnownOracleBug(
            id: "capstone-gather-same-registers", oracle: "capstone",
            summary: "accepts VEX gathers whose destination, index and mask registers are not all different",
            example: .init("c4e2fd901400", .bits64), observed: .init(valid: true, length: 6, mnemonic: "vpgatherdq"),
            oracleSays: "vpgatherdq ymm2, qword ptr [rax + xmm0], ymm0 (index and mask both register 0)",
            truth: "#UD: VEX gathers #UD if any two of the destination, index and mask registers are the same (SDM VPGATHERDQ)",
            evidence: "Zydis: invalid (bad-register). CPU (Zen 4): c4 e2 fd 90 14 00 #UD after 6 bytes.",
            field: "valid", control: .init("c4e2f5901400", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard field == "valid", answer.valid, p.startsVexOrEvex, let name = answer.mnemonic, name.contains("gather"),
                      answer.operands.count == 3 || answer.operands.count == 2,
                      others.rejected(for: ["bad-register", "invalid-encoding"]), others.rejected else { return false }
                // EVEX gathers (62 f2 fd 4a 92 0c 08: vgatherdpd zmm1, [rax + ymm1]) have no vector mask:
                // destination and index must differ.
                // Outside 64-bit mode modulo 8 (32-bit 62 e2 fd 4a 92 0c: zmm17 to Capstone is zmm1, as its index;
                // capstone-high-vector-register-outside-64bit).
                let numbers = ([answer.operands[0].register, answer.operands[1].index] + (answer.operands.count == 3 ? [answer.operands[2].register] : []))
                    .compactMap { $0 }.compactMap { registerNumber($0).map { mode == .bits64 ? $0.1 : $0.1 % 8 } }
                return numbers.count == answer.operands.count && Set(numbers).count < numbers.count
            }),
        KnownOracleBug(
            id: "capstone-66-67-over-rex-w", oracle: "capstone", summary: "lets 66 (or 67) beat REX.W for the name of PUSHF/POPF and the accumulator of OUT",
            example: .init("664d9d", .bits64), observed: .init(valid: true, length: 3, mnemonic: "popf"),
            oracleSays: "popf (66 4d 9d); 67 4c 9c: pushf; 66 … 4a e7 e6: out 0xe6, ax", truth: "popfq / pushfq / out 0xe6, eax: REX.W beats 66 (and 67 is the address size)",
            evidence: "Zydis: popfq, pushfq. CPU (Zen 4): 66 4d 9d executes, 3 bytes.", field: "mnemonic", control: .init("669d", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                let k = kind(field)
                guard k == "mnemonic" || k == "operand.register" || k == "operand.size" || k == "operand.value", p.rexW, p.has(0x66) || p.has(0x67),
                      peerSidesWithProject(others, field) else { return false }
                // The twin with REX.W cleared and 67 read as 66 has Capstone's value in the field
                // (66 … 4a e7: out 0xe6, ax for eax).
                var twin = bytes.map { $0 == 0x67 ? 0x66 : $0 }
                twin[p.opcode - 1] &= 0xF7
                var t = projectAnswer(twin + [UInt8](repeating: 0, count: 8), mode, vendor)
                guard t.valid else { return false }
                t.length = answer.length
                return !compare(t, answer).contains { $0.field == field }
            }),
        KnownOracleBug(
            id: "capstone-vex-w1-outside-64bit", oracle: "capstone", summary: "gives VEX/EVEX.W1 GPR forms their 64-bit register outside 64-bit mode (VPEXTRQ, VCVTSS2USI r64 …)",
            example: .init("c4e3f9167a00f7", .bits16), observed: .init(valid: true, length: 7, mnemonic: "vpextrq"),
            oracleSays: "vpextrq qword ptr [bp + si], xmm7, 0xf7", truth: "vpextrd dword ptr [bp + si], xmm7, 0xf7: outside 64-bit mode VEX.W is ignored for these forms (SDM VPEXTRD/Q: VEX.W1 in non-64-bit mode is ignored)",
            evidence: "Zydis: vpextrd, dword.", field: "mnemonic", control: .init("c4e379167a00f7", .bits16),
            matches: { bytes, mode, _, answer, others, field, p in
                // EVEX.R' likewise (32-bit 62 e1 7e 08 79 66 0f: vcvtss2usi rsp for esp).
                guard mode != .bits64, p.vex3W == true || p.evex.map({ $0.p1 & 0x80 != 0 || $0.p0 & 0x10 == 0 }) == true,
                      field == "mnemonic" || kind(field) == "operand.size" || kind(field) == "operand.register" else { return false }
                // vpextrq for vpextrd, or (same name) a 64-bit GPR for the 32-bit one: vcvtss2usi rsp for esp.
                if let name = answer.mnemonic, name.hasSuffix("q"), others["project"]?.mnemonic == name.dropLast() + "d" {
                    return peerSidesWithProject(others, "mnemonic")
                }
                guard kind(field) != "mnemonic", let mine = operand(answer, field)?.register, let theirs = operand(others["project"], field)?.register,
                      Normalization.registerSize(mine) == 8, Normalization.registerSize(theirs) == 4, "r" + theirs.dropFirst() == mine else { return false }
                return peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-extrq-any-modrm-reg", oracle: "capstone", summary: "accepts EXTRQ (66 0f 78 ib ib) with ModRM.reg other than 0",
            example: .init("660f78f80df0", .bits32), observed: .init(valid: true, length: 6, mnemonic: "extrq"),
            oracleSays: "extrq xmm0, 0xd, 0xf0 (ModRM f8: reg 7)", truth: "#UD: EXTRQ is 66 0F 78 /0 ib ib (APM)",
            evidence: "Zydis: invalid (decoding-error).", field: "valid", control: .init("660f78c00df0", .bits32),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && answer.valid && answer.mnemonic == "extrq" && p.at(0) == 0x0F && p.at(1) == 0x78
                    && p.modrm(at: 2).map { $0.reg != 0 } == true && others.rejected
            }),
        KnownOracleBug(
            id: "capstone-evex-w-ignored", oracle: "capstone", summary: "accepts EVEX forms with the W they are not defined with",
            example: .init("62f1fc0828c0", .bits64), observed: .init(valid: true, length: 6, mnemonic: "vmovaps"),
            oracleSays: "vmovaps xmm0, xmm0 (EVEX.W1); also vaddss with W1 (62 f1 86 87 58 …), vpbroadcastmw2d with W1 (62 f2 fe 08 3a c4)",
            truth: "#UD: VMOVAPS is EVEX.0F.W0 28 only (W1 exists as VMOVAPD with 66)",
            evidence: "Zydis: invalid (decoding-error). CPU (Zen 4): 62 f1 fc 08 28 c0 #UD after 6 bytes; 62 f1 7c 08 28 c0 (W0) executes. The matcher checks that the bytes with W flipped are Capstone's instruction for the project.",
            field: "valid", control: .init("62f17c0828c0", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard field == "valid", answer.valid, let e = p.evex, others.rejected else { return false }
                var twin = bytes
                twin[p.opcode + 2] ^= 0x80
                let t = projectAnswer(twin, mode, vendor)
                // With an opmask Capstone reads one byte more for W1 scalar F3/F2 forms (62 e1 fe 0c 58 c4
                // 0f: vaddss, 7 bytes; 62 e1 fe 08 58 c4: 6).
                let extra = e.p1 & 0x80 != 0 && e.p2 & 7 != 0 ? 1 : 0
                return t.valid && t.mnemonic == answer.mnemonic && (t.length == answer.length || t.length.map { $0 + extra } == answer.length)
            }),
        KnownOracleBug(
            id: "capstone-3dnow-0e-as-femms", oracle: "capstone", summary: "decodes 3DNow! 0f 0f /r with the undefined suffix 0e as FEMMS",
            example: .init("0f0fff0e", .bits64), observed: .init(valid: true, length: 4, mnemonic: "femms"),
            oracleSays: "femms (4 bytes)", truth: "#UD: 3DNow! has no suffix 0Eh (FEMMS is 0F 0E); Zen 4 has no 3DNow! at all",
            evidence: "Zydis: invalid (decoding-error). CPU (Zen 4): #UD.", field: "valid", control: .init("0f0e", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && answer.valid && answer.mnemonic == "femms" && p.at(0) == 0x0F && p.at(1) == 0x0F && others.rejected
            }),
        KnownOracleBug(
            id: "capstone-hint-nop-space-instructions", oracle: "capstone", summary: "decodes CLDEMOTE (0f 1c /0) as a hint NOP",
            example: .init("0f1c410f", .bits64), observed: .init(valid: true, length: 4, mnemonic: "nop"),
            oracleSays: "nop dword ptr [rcx + 0xf]", truth: "cldemote byte ptr [rcx + 0xf] (SDM: NP 0F 1C /0 CLDEMOTE m8; hint NOP on CPUs without it)",
            evidence: "Zydis: cldemote byte ptr [rcx + 0xf]. CPU (Zen 4): executes, 4 bytes (as the NOP it is there).",
            field: "mnemonic", control: .init("0f1d410f", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard answer.mnemonic == "nop", p.at(0) == 0x0F, p.at(1).map({ (0x18...0x1F).contains($0) }) == true,
                      let name = others["project"]?.mnemonic, name != "nop", field == "mnemonic" || kind(field).hasPrefix("operand") else { return false }
                return peerSidesWithProject(others, "mnemonic")
            }),
        KnownOracleBug(
            id: "capstone-evex-x-in-register-operand", oracle: "capstone",
            summary: "lets EVEX.X change a register operand of an EVEX register form (ModRM.rm GPR or ModRM.reg)",
            example: .init("62b27e0828c0", .bits64), observed: .init(valid: true, length: 6, mnemonic: "vpmovm2b"),
            oracleSays: "vpmovm2b xmm16, k0 (EVEX.X = 1); 62 b1 f7 08 7b c8: vcvtusi2sd xmm1, xmm1, mm0 for rax",
            truth: "vpmovm2b xmm0, k0: in a register form EVEX.X extends ModRM.rm of vector registers only (SDM 2.7.2); ModRM.reg takes R and R'",
            evidence: "Zydis: xmm0; rax.", field: "operand.register", control: .init("62f27e0828c0", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard let e = p.evex, e.p0 & 0x40 == 0, let op = p.vectorOpcode, p.modrm(at: op.modrm)?.mod == 3,
                      kind(field) == "operand.register" || kind(field) == "operand.size", let mine = operand(answer, field)?.register,
                      let theirs = operand(others["project"], field)?.register else { return false }
                let vectorForGPR = Normalization.registerSize(theirs).map { $0 <= 8 } == true && (mine.hasPrefix("xmm") || mine.hasPrefix("mm"))
                let plus16 = registerNumber(mine).flatMap { m in registerNumber(theirs).map { m.0 == $0.0 && m.1 == $0.1 + 16 } } == true
                // Or the 64-bit GPR for the 32-bit one (62 b1 26 08 7b c8: vcvtusi2ss …, rax for eax).
                let wide = Normalization.registerSize(theirs) == 4 && Normalization.registerSize(mine) == 8
                    && (mine == "r" + theirs.dropFirst() || mine == String(theirs.dropLast()))
                return (vectorForGPR || plus16 || wide) && peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-xop-a-imm32-16bit", oracle: "capstone", summary: "reads a 2-byte immediate for XOP map A forms (BEXTR, LWPINS, LWPVAL) in 16-bit mode",
            example: .init("8fea7810c001000000", .bits16), observed: .init(valid: true, length: 7, mnemonic: "bextr"),
            oracleSays: "bextr eax, eax, 0x1 (7 bytes)", truth: "bextr eax, eax, 0x1, 9 bytes: XOP.A 10 /r id takes a 4-byte immediate in every mode (APM BEXTR immediate form)",
            evidence: "Zydis: 9 bytes. In 32/64-bit mode Capstone reads 4 bytes.", field: "length", control: .init("8fea7810c001000000", .bits32),
            matches: { bytes, mode, _, answer, others, field, p in
                guard mode == .bits16, p.startsXop, p.at(1).map({ $0 & 0x1F == 0x0A }) == true else { return false }
                // The 4-byte immediate is cut off (8f ea 78 10 6f 6e 65 65: Capstone bextr, 8 bytes).
                // Or it passes 15 bytes (16-bit 67 26 26 67 26 26 26 26 8f ea 78 10 10 26 0f).
                if field == "valid", answer.valid, let length = answer.length, let m = p.modrmBytes(at: 4) {
                    return others.rejected(for: ["truncated", "no-more-data", "too-long", "instruction-too-long"]) && others.rejected
                        && length == p.opcode + 4 + m + 2 && min(bytes.count, 15) < length + 2
                }
                return field == "length" && others.agreedLength.map { answer.length == $0 - 2 } == true
            }),
        KnownOracleBug(
            id: "capstone-evex-ll-ignored", oracle: "capstone", summary: "accepts EVEX forms defined for one vector length (L0: VMOVD …) with another L'L",
            example: .init("62f1fd286e00", .bits32), observed: .init(valid: true, length: 6, mnemonic: "vmovd"),
            oracleSays: "vmovd xmm0, dword ptr [eax] with EVEX.L'L = 01", truth: "#UD: EVEX.128.66.0F.W0 6E is VMOVD; L'L must be 00 (SDM: EVEX.L'L other than 00 is #UD for it)",
            evidence: "Zydis: invalid (decoding-error). The matcher checks that the bytes with L'L = 00 are Capstone's instruction for the project.",
            field: "valid", control: .init("62f1fd086e00", .bits32),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard field == "valid", answer.valid, let e = p.evex, e.p2 & 0x60 != 0, others.rejected,
                      others.rejected(for: ["invalid-encoding", "decoding-error"]) else { return false }
                var twin = bytes
                twin[p.opcode + 3] &= 0x9F
                // With the wrong W as well (62 f3 fd 28 21 2e d6: vinsertps, W1 and L'L 01): that twin with W flipped.
                var twin2 = twin
                twin2[p.opcode + 2] ^= 0x80
                return [twin, twin2].contains { b in
                    let t = projectAnswer(b, mode, vendor)
                    return t.valid && t.mnemonic == answer.mnemonic && t.length == answer.length
                }
            }),
        KnownOracleBug(
            id: "capstone-padlock-without-f3", oracle: "capstone", summary: "decodes VIA PadLock XCRYPT*/XSHA*/MONTMUL without their F3",
            example: .init("0fa7d8", .bits64), observed: .init(valid: true, length: 3, mnemonic: "xcryptctr"),
            oracleSays: "xcryptctr (0f a7 d8); also 0f a6 c8 (xsha1)", truth: "#UD: every PadLock form but XSTORE needs F3 (VIA PadLock guide)",
            evidence: "Zydis: invalid (decoding-error). XED requires the F3 too; DESIGN-NOTES and Corpus/vectors/peer-exceptions.tsv record Capstone's (and LLVM's) bare forms. CPU (Zen 4): 0f a7 d8 #UD.",
            field: "valid", control: .init("f30fa7d8", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && answer.valid && p.lastRep != 0xF3 && p.at(0) == 0x0F && (p.at(1) == 0xA6 || p.at(1) == 0xA7)
                    && answer.mnemonic != "xstore" && others.rejected
            }),
        KnownOracleBug(
            id: "capstone-mov-sreg-source-32bit", oracle: "capstone", summary: "names a 32-bit source register for MOV Sreg, r16 whenever the operand size is 32 or 64 (a 64-bit one with REX.W)",
            example: .init("8ed8", .bits64), observed: .init(valid: true, length: 2, mnemonic: "mov"),
            oracleSays: "mov ds, eax (64-bit 8e d8, 40 8e d8, 8e c4: mov es, esp; 32-bit 8e d8; 16-bit 66 8e d1: mov ss, ecx; 64-bit 4a 8e c4: mov es, rsp)",
            truth: "mov ds, ax (SDM: 8E /r MOV Sreg, r/m16; the REX.W form, MOV Sreg, r/m64, reads the same 16 bits: the project's map names it Ew)",
            evidence: "Zydis: mov ds, ax; mov ss, cx; mov es, sp. In 16-bit mode without 66 (8e d8) Capstone says ax: it takes the operand size for a register the instruction reads 16 bits of.", field: "operand.register", control: .init("8ed8", .bits16),
            matches: { bytes, mode, _, answer, others, field, p in
                // With REX.W the 64-bit name (4a 8e c4: mov es, rsp), where the project and Zydis name the
                // 16 bits MOV Sreg reads (the opcode map's Ew).
                return p.at(0) == 0x8E && field.hasPrefix("operand[1].") && operand(answer, field)?.size == (p.rexW ? 8 : 4)
                    && operand(others["project"], field)?.size == 2
                    && peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-nop-memory-size", oracle: "capstone", summary: "sizes the memory operand of the hint NOPs (0f 18-0f 1f) as a dword",
            example: .init("480f1f36", .bits64), observed: .init(valid: true, length: 4, mnemonic: "nop"),
            oracleSays: "nop dword ptr [rsi] (REX.W; 16-bit 0f 18 78 6d: dword too)", truth: "nop qword ptr [rsi]: NOP r/m64 with REX.W (SDM NOP: 0F 1F /0 NOP r/m16, r/m32; REX.W r/m64); r/m16 in 16-bit mode",
            evidence: "Zydis: qword, word.", field: "operand.size", control: .init("0f1f36", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard answer.mnemonic == "nop", p.at(0) == 0x0F, let op = p.at(1), (0x18...0x1F).contains(op) else { return false }
                // With 66 and REX.W Capstone lets the 66 win: word for qword (67 4c 4c 66 66 4c … 49 0f 1a 3f).
                let wrong: Set<Int> = (p.has(0x66) || p.capstoneMandatory == 0x66) && p.rexW ? [2, 4] : [4]
                if capstoneMemorySize(field, answer, others, wrong: wrong, truth: [2, 8]) { return true }
                // For AMD Zydis rejects 0f 1a/1b as MPX or names a bnd* form (zydis-mpx-on-amd): the project alone.
                let zydisMPX = others["zydis"].map { !$0.valid || $0.mnemonic?.hasPrefix("bnd") == true } == true
                return vendor == .amd && (op == 0x1A || op == 0x1B) && zydisMPX && field == "operand[0].size"
                    && answer.operands.first.map { $0.size.map(wrong.contains) == true } == true
                    && [2, 8].contains(others["project"]?.operands.first?.size ?? 0) && answer.operands.first?.size != others["project"]?.operands.first?.size
            }),
        KnownOracleBug(
            id: "capstone-wbnoinvd-as-wbinvd", oracle: "capstone", summary: "decodes WBNOINVD (f3 0f 09) as WBINVD",
            example: .init("f30f09", .bits64), observed: .init(valid: true, length: 3, mnemonic: "wbinvd"),
            oracleSays: "wbinvd", truth: "wbnoinvd (SDM and APM: F3 0F 09)",
            evidence: "Zydis 4.0.0 says wbinvd as well (zydis-wbnoinvd-as-wbinvd). Both manuals define F3 0F 09 as WBNOINVD (Zen 2 and later; #GP at CPL3 either way).",
            field: "mnemonic", control: .init("0f09", .bits64),
            matches: { bytes, mode, _, answer, others, field, _ in
                field == "mnemonic" && answer.mnemonic == "wbinvd" && others["project"]?.mnemonic == "wbnoinvd"
            }),
    ]

    // MARK: Branch targets

    static let branchTargetBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-xbegin-16bit-target", oracle: "capstone", summary: "wraps the XBEGIN fallback target to 16 bits with a 16-bit operand size",
            example: .init("66c7f8faff", .bits32), observed: .init(valid: true, length: 5, mnemonic: "xbegin"),
            oracleSays: "xbegin 0xffff", truth: "xbegin 0xffffffff: SDM XBEGIN: \"Use of the 16-bit operand size does not cause this address to be truncated to 16 bits, unlike a near jump to a relative offset\" (fallbackEIP := EIP + SignExtend32(rel16))",
            evidence: "Zydis: 0xffffffff. CPU: Zen 4 has no RTM (#UD).", field: "operand.target", control: .init("c7f8faffffff", .bits32),
            matches: { bytes, mode, _, answer, others, field, p in
                guard p.at(0) == 0xC7, p.at(1) == 0xF8, kind(field) == "operand.target", let mine = target(operand(answer, field)),
                      let truth = target(operand(others["project"], field)), mine <= 0xFFFF, mine != truth, truth & 0xFFFF == mine else { return false }
                return peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-branch-target-width", oracle: "capstone",
            summary: "wraps a relative branch target to 16 bits by the mode or the 66 byte, not by the operand size",
            example: .init("660f8400001000", .bits16), observed: .init(valid: true, length: 7, mnemonic: "je"),
            oracleSays: "je 0x7 (16-bit 66 0f 84 rel32: wrapped to 16 bits); 32-bit 66 79 e2: jns 0xffffffe5 (not wrapped); 64-bit 66 48 e9 …: wrapped",
            truth: "16-bit mode with 66: EIP = EIP + rel32, je 0x100007; 32-bit with 66: the operand size is 16, jns 0xffe5; 64-bit with REX.W: 66 is ignored, rel32",
            evidence: "Zydis: 0x100007, 0xffe5, 0x7fff42. SDM Jcc: IF OperandSize = 16 THEN EIP ← EIP AND 0000FFFFH. CPU (Zen 4): 66 48 e9 3a ff 7f 00 executes, 7 bytes (rel32).",
            field: "operand.target", control: .init("0f8400001000", .bits16),
            matches: { bytes, mode, _, answer, others, field, p in
                // 67 likewise (32-bit 67 f3 0f 85 …: Capstone 0xffff8200 for 0x1fc08200).
                guard kind(field) == "operand.target", p.has(0x66) || p.has(0x67), let mine = target(operand(answer, field)),
                      let truth = target(operand(others["project"], field)), mine != truth, mine & 0xFFFF == truth & 0xFFFF else { return false }
                return peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-amd-66-branch-not-wrapped", oracle: "capstone",
            summary: "does not wrap a backward 66-prefixed near branch to 16 bits in 64-bit mode (AMD)",
            example: .init("660f8500b3", .bits64, .amd), observed: .init(valid: true, length: 5, mnemonic: "jne"),
            oracleSays: "jne 0xffffffffffffb305", truth: "AMD: rel16 and RIP wrapped to 16 bits: 0xb305",
            evidence: "Zydis (AMD branches) says the same as Capstone (zydis-amd-66-branch-not-wrapped). CPU (Zen 4): 66 e9 00 e0 at 0x1000 jumps to 0xf004 (0x1004 - 0x2000 wrapped to 16 bits); forward targets already wrap in both libraries (66 e8 2e 1b: 0x1b32).",
            field: "operand.target", control: .init("660f850003", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, _ in
                amdBranchNotWrapped(bytes, mode, vendor, answer, others, field)
            }),
    ]

    /// 66 ff /2, /4 (CALL/JMP near indirect) in 64-bit mode for AMD: the oracle gives the
    /// 64-bit operand, the CPU uses 16 bits.
    static func amdIndirectBranch16(_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor, _ answer: DecodeAnswer,
                                    _ others: [String: DecodeAnswer], _ field: String) -> Bool {
        let p = PrefixScan(bytes, mode)
        guard vendor == .amd, mode == .bits64, p.has(0x66), !p.rexW, p.at(0) == 0xFF, let m = p.modrm(at: 1), m.reg == 2 || m.reg == 4,
              field == "operand[0].size" || field == "operand[0].register" else { return false }
        return answer.operands.first?.size == 8 && others["project"]?.operands.first?.size == 2
    }

    static func amdBranchNotWrapped(_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor, _ answer: DecodeAnswer,
                                    _ others: [String: DecodeAnswer], _ field: String) -> Bool {
        let p = PrefixScan(bytes, mode)
        guard vendor == .amd, mode == .bits64, p.has(0x66), !p.rexW, kind(field) == "operand.target",
              let mine = target(operand(answer, field)), let truth = target(operand(others["project"], field)) else { return false }
        return truth <= 0xFFFF && mine == truth | 0xFFFF_FFFF_FFFF_0000
    }

    static let amdIndirectBranchBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-amd-66-indirect-branch-size", oracle: "capstone",
            summary: "gives 66-prefixed CALL/JMP near indirect (ff /2, /4) a 64-bit operand in 64-bit mode (AMD)",
            example: .init("66ff10", .bits64, .amd), observed: .init(valid: true, length: 3, mnemonic: "call"),
            oracleSays: "call qword ptr [rax]", truth: "AMD: call word ptr [rax]: 66 makes the operand size 16 (APM CALL near: 16-bit operand size in 64-bit mode with 66h; Intel ignores 66)",
            evidence: "Zydis (AMD branches) says qword too (zydis-amd-66-indirect-branch-size). CPU (Zen 4): 66 ff 10 with RSP 0x3008 faults writing 0x3006 (a 2-byte return address); ff 10 writes at 0x3000.",
            field: "operand.size", control: .init("66ff10", .bits64, .intel),
            matches: { bytes, mode, vendor, answer, others, field, _ in amdIndirectBranch16(bytes, mode, vendor, answer, others, field) }),
        KnownOracleBug(
            id: "zydis-amd-66-indirect-branch-size", oracle: "zydis",
            summary: "gives 66-prefixed CALL/JMP near indirect (ff /2, /4) a 64-bit operand in 64-bit mode (AMD branches)",
            example: .init("66ff10", .bits64, .amd), observed: .init(valid: true, length: 3, mnemonic: "call"),
            oracleSays: "call qword ptr [rax]", truth: "AMD: call word ptr [rax] (16-bit operand size with 66h)",
            evidence: "Capstone says qword too. CPU (Zen 4): 66 ff 10 pushes a 2-byte return address (faults writing RSP - 2).",
            field: "operand.size", control: .init("66ff10", .bits64, .intel),
            matches: { bytes, mode, vendor, answer, others, field, _ in amdIndirectBranch16(bytes, mode, vendor, answer, others, field) }),
    ]

    // MARK: Zydis

    static let zydisOperandBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "zydis-0f1e-nop-ignores-66", oracle: "zydis", summary: "ignores 66 for the 0f 1e register hint NOPs (32-bit registers)",
            example: .init("660f1ed3", .bits64), observed: .init(valid: true, length: 4, mnemonic: "nop"),
            oracleSays: "nop ebx, edx", truth: "nop bx (NOP r/m16 with 66; the reg field does nothing)",
            evidence: "Zydis itself says nop bx, dx for 66 0f 1f d3 and 66 0f 19 d3. Capstone rejects the register forms (capstone-hint-nop-register-forms). CPU (Zen 4): 66 0f 1e d3 executes, 4 bytes.",
            field: "operand.register", control: .init("0f1ed3", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                // In 16-bit mode the other way round (16-bit 66 0f 1e f3: nop bx for ebx).
                let (without, with) = mode == .bits16 ? (2, 4) : (4, 2)
                return p.has(0x66) && p.lastRep == nil && !p.rexW && p.at(0) == 0x0F && p.at(1) == 0x1E && answer.mnemonic == "nop"
                    && field.hasPrefix("operand[0].") && answer.operands.first?.size == without && others["project"]?.operands.first?.size == with
            }),
        KnownOracleBug(
            id: "zydis-movsxd-66-register-source", oracle: "zydis", summary: "names a 16-bit source register for MOVSXD with 66 (its memory form reads 32 bits)",
            example: .init("6663c0", .bits64), observed: .init(valid: true, length: 3, mnemonic: "movsxd"),
            oracleSays: "movsxd ax, ax (memory form 66 63 00: dword ptr)", truth: "movsxd ax, eax: the source is 32 bits with 66 as without it",
            evidence: "CPU (Zen 4): 66 63 00 with RAX 0x2ffe faults at 0x3000 (a 4-byte read; 66 8b 00 there completes). Zydis sizes the memory form m32 itself; Capstone says eax. The Intel SDM writes 66 63 as MOVSXD r16, r/m16; that is not measurable here (no Intel CPU).",
            field: "operand.register", control: .init("63c0", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard mode == .bits64, p.has(0x66), !p.rexW, p.at(0) == 0x63, field.hasPrefix("operand[1]."),
                      let mine = operand(answer, field), mine.kind == .register, mine.size == 2 else { return false }
                return operand(others["project"], field)?.size == 4
            }),
        KnownOracleBug(
            id: "zydis-senduipi-32bit-register", oracle: "zydis", summary: "names a 32-bit register for SENDUIPI",
            example: .init("f30fc7f7", .bits64), observed: .init(valid: true, length: 4, mnemonic: "senduipi"),
            oracleSays: "senduipi edi (with REX.W too)", truth: "senduipi rdi: SENDUIPI (F3 0F C7 /6, 64-bit mode only) takes the UITT index in a 64-bit register (SDM: SENDUIPI reg; assemblers take r64)",
            evidence: "Capstone does not know SENDUIPI (rdrand, capstone-mandatory-prefix-lost). Zydis' r32 names a register size the instruction does not have in the only mode it exists in.",
            field: "operand.register", control: .init("0fc7f7", .bits64),
            matches: { bytes, mode, _, answer, others, field, _ in
                answer.mnemonic == "senduipi" && field.hasPrefix("operand[0].") && answer.operands.first?.size == 4
                    && others["project"]?.operands.first?.size == 8
            }),
        KnownOracleBug(
            id: "zydis-wbnoinvd-as-wbinvd", oracle: "zydis", summary: "decodes WBNOINVD (f3 0f 09) as WBINVD",
            example: .init("f30f09", .bits64), observed: .init(valid: true, length: 3, mnemonic: "wbinvd"),
            oracleSays: "wbinvd", truth: "wbnoinvd (SDM and APM: F3 0F 09)",
            evidence: "Capstone says wbinvd as well (capstone-wbnoinvd-as-wbinvd). Both manuals define F3 0F 09 as WBNOINVD.",
            field: "mnemonic", control: .init("0f09", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                field == "mnemonic" && answer.mnemonic == "wbinvd" && others["project"]?.mnemonic == "wbnoinvd"
            }),
        KnownOracleBug(
            id: "zydis-amd-66-branch-not-wrapped", oracle: "zydis",
            summary: "does not wrap a backward 66-prefixed near branch to 16 bits in 64-bit mode (AMD branches)",
            example: .init("660f8500b3", .bits64, .amd), observed: .init(valid: true, length: 5, mnemonic: "jne"),
            oracleSays: "jnz 0xffffffffffffb305", truth: "AMD: rel16 and RIP wrapped to 16 bits: 0xb305",
            evidence: "Capstone says the same (capstone-amd-66-branch-not-wrapped). CPU (Zen 4): 66 e9 00 e0 at 0x1000 jumps to 0xf004.",
            field: "operand.target", control: .init("660f850003", .bits64, .amd),
            matches: { bytes, mode, vendor, answer, others, field, _ in
                amdBranchNotWrapped(bytes, mode, vendor, answer, others, field)
            }),
        KnownOracleBug(
            id: "zydis-67-rex-b-sib-no-base", oracle: "zydis",
            summary: "with 67 and REX.B (or VEX/EVEX/XOP.B), takes SIB base 101b with mod 00 as r13d instead of \"no base, disp32\"",
            example: .init("67418a0c25d8e98800", .bits64), observed: .init(valid: true, length: 9, mnemonic: "mov"),
            oracleSays: "mov cl, byte ptr [r13d] (the disp32 read but dropped)", truth: "mov cl, byte ptr [0x88e9d8]: REX.B does not apply to SIB.base 101b with mod 00 (SDM Vol. 2 Table 2-5, special cases of REX)",
            evidence: "Capstone: [0x88e9d8]. Zydis itself gets it right without 67 (41 8a 0c 25 …) and with 67 and no REX.B.",
            field: "operand.base", control: .init("418a0c25d8e98800", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                // EVEX.B likewise (67 62 91 fd 28 64 04 fd: B̄ = 0), and VEX3/XOP.B (67 c4 81 fd 61 04 45
                // 00 00 00 00: vpunpcklwd ymm0, ymm0, [r8d*2], Zydis [r13d + r8d*2]).
                let vex3B = (p.at(0) == 0xC4 || p.startsXop) && p.at(1).map { $0 & 0x20 == 0 } == true
                let b = p.rex & 1 != 0 || p.evex.map { $0.p0 & 0x20 == 0 } == true || vex3B
                guard mode == .bits64, p.has(0x67), b, kind(field) == "operand.base" || kind(field) == "operand.displacement",
                      let mine = operand(answer, field), mine.kind == .memory, mine.base == "r13d",
                      operand(others["project"], field)?.base == nil else { return false }
                // Capstone may reject the bytes on its own (65 f2 67 41 0f 7d 2c e5 …: F2 not next to the
                // opcode, capstone-mandatory-prefix-position).
                return peerSidesWithProject(others, field) || others["capstone"]?.valid == false
            }),
        KnownOracleBug(
            id: "zydis-pause-with-rex-b", oracle: "zydis", summary: "decodes f3 41 90 as PAUSE",
            example: .init("f34190", .bits64), observed: .init(valid: true, length: 3, mnemonic: "pause"),
            oracleSays: "pause", truth: "xchg r8d, eax: with REX.B, 90 is XCHG r8 (SDM NOP/XCHG; PAUSE is F3 90 without REX.B)",
            evidence: "Capstone: xchg r8d, eax.", field: "mnemonic", control: .init("f390", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                // Capstone may say pause or nop too (capstone-90-rex-b-with-66): the project's XCHG is enough.
                return mode == .bits64 && p.rex & 1 != 0 && p.at(0) == 0x90 && p.lastRep == 0xF3 && answer.mnemonic == "pause"
                    && (field == "mnemonic" || field == "operands.count") && others["project"]?.mnemonic == "xchg"
            }),
        KnownOracleBug(
            id: "zydis-lar-lsl-rex-w-source", oracle: "zydis", summary: "names a 64-bit source register for LAR/LSL with REX.W",
            example: .init("480f02c3", .bits64), observed: .init(valid: true, length: 4, mnemonic: "lar"),
            oracleSays: "lar rax, rbx", truth: "lar rax, ebx (SDM: REX.W + 0F 02 /r LAR r64, r32/m16)",
            evidence: "Capstone: lar rax, ebx. Without REX.W Zydis says ebx (0f 02 c3).", field: "operand.register", control: .init("0f02c3", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return p.rexW && p.at(0) == 0x0F && (p.at(1) == 0x02 || p.at(1) == 0x03) && field.hasPrefix("operand[1].")
                    && operand(answer, field)?.size == 8 && peerSidesWithProject(others, field)
            }),
    ]
}
