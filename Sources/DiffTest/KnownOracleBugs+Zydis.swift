import X86Decoder

/// Zydis 4.0.0's known bugs.
extension KnownOracleBugs {
    static let zydis: [KnownOracleBug] = [
        KnownOracleBug(
            id: "zydis-knc-without-knc-mode", oracle: "zydis",
            summary: "decodes Knights Corner (KNC/MVEX) encodings with KNC mode off",
            example: .init("c564842385e700", .bits64), observed: .init(valid: true, length: 7, mnemonic: "jkzd"),
            oracleSays: "jkzd k3, rel32 (7 bytes; the 6 bytes c5 64 84 23 85 e7 alone: no-more-data); also MVEX 62 forms, kand/kor/kxor with VEX.L0",
            truth: "#UD: VEX.0F 84 and MVEX exist only on Knights Corner",
            evidence: "Capstone: invalid. CPU: c5 64 84 23 85 e7 00 and c5 f8 85 … #UD. Same answer with KNC mode on.",
            field: "valid", control: .init("c5fc41d3", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard field == "valid", answer.valid, p.startsVexOrEvex, !others.isEmpty, !others.accepted else { return false }
                let mvex = p.at(0) == 0x62 && p.at(2).map { $0 & 0x04 == 0 } == true
                return mvex || kncMnemonics.contains(answer.mnemonic ?? "")
            }),
        KnownOracleBug(
            id: "zydis-ud0-modrm-amd", oracle: "zydis", summary: "reads a ModRM byte (and its SIB and displacement) for UD0 (0f ff) for AMD too",
            example: .init("0fff15d63ea2b1901c", .bits64, .amd), observed: .init(valid: true, length: 7, mnemonic: "ud0"),
            oracleSays: "ud0 edx, dword ptr [rip - 0x4e5dc12a] (7 bytes): the Intel form, whatever the vendor",
            truth: "AMD: ud0, 2 bytes (APM: 0F FF, no ModRM)",
            evidence: "Capstone: ud0, 2 bytes. CPU (Zen 4): 0f ff 15 d6 … #UD already with only 0f ff mapped; 64 0f ff de and 45 0f ff 0c e7 with only 3 bytes mapped.",
            field: "length", control: .init("0fff15d63ea2b1901c", .bits64, .intel),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard vendor == .amd, p.at(0) == 0x0F, p.at(1) == 0xFF else { return false }
                // The ModRM it wants is cut off (36 36 36 36 0f ff 05: no displacement follows).
                if field == "valid" {
                    // Or past 15 bytes with it (16-bit 67 67 66 2e … 0f ff 54: instruction-too-long).
                    return !answer.valid && (answer.reason == "no-more-data" || answer.reason == "instruction-too-long")
                        && others["project"].map { $0.valid && $0.length == p.opcode + 2 } == true
                }
                guard field == "length", let m = p.modrmBytes(at: 2) else { return false }
                return answer.length == p.opcode + 2 + m && others.agreedLength == p.opcode + 2
            }),
        KnownOracleBug(
            id: "zydis-unknown-instructions", oracle: "zydis",
            summary: "does not know WRMSRNS, RDMSRLIST/WRMSRLIST, ERETS/ERETU (FRED) and LKGS (published after 4.0.0)",
            example: .init("0f01c6", .bits64), observed: .init(valid: false),
            oracleSays: "invalid (decoding-error) for 0f 01 c6 (wrmsrns), f2/f3 0f 01 c6, f2/f3 0f 01 ca, f2 0f 00 /6",
            truth: "wrmsrns (SDM: NP 0F 01 C6), 3 bytes; rdmsrlist/wrmsrlist (F2/F3 0F 01 C6), erets/eretu (F2/F3 0F 01 CA), lkgs (F2 0F 00 /6)",
            evidence: "Capstone: invalid too (it lacks them as well; f2/f3 0f 01 ca it calls clac). CPU (Zen 4, which lacks them): 0f 01 c6 #UD after 3 bytes. Zydis 4.0.0 (Nov 2022) predates the ISE entries.",
            field: "valid", control: .init("0f01c5", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard field == "valid", !answer.valid, p.at(0) == 0x0F, let m = p.modrm(at: 2),
                      let name = others["project"].flatMap({ $0.valid ? $0.mnemonic : nil }),
                      let shape = zydisUnknownMnemonics[name] else { return false }
                return p.at(1) == shape.opcode && (shape.modrm.map { p.at(2) == $0 } ?? (m.reg == shape.reg))
                    && (p.lastRep ?? (p.has(0x66) ? 0x66 : 0)) == shape.prefix
            }),
        KnownOracleBug(
            id: "zydis-0f0d-register-amd", oracle: "zydis", summary: "decodes 0f 0d register forms as NOPs for AMD too",
            example: .init("0f0dc1", .bits64, .amd), observed: .init(valid: true, length: 3, mnemonic: "nop"),
            oracleSays: "nop ecx, eax (3 bytes): the Intel reserved-NOP, whatever the vendor", truth: "AMD: #UD (PREFETCH/PREFETCHW take memory only; APM: #UD if the operand is a register)",
            evidence: "Capstone: invalid. CPU (Zen 4): 0f 0d c1, 0f 0d f1, 0f 0d fa #UD; 0f 0d 00 executes.",
            field: "valid", control: .init("0f0dc1", .bits64, .intel),
            matches: { bytes, mode, vendor, answer, others, field, p in
                return vendor == .amd && field == "valid" && answer.valid && p.at(0) == 0x0F && p.at(1) == 0x0D
                    && p.modrm(at: 2)?.mod == 3 && others.rejected
            }),
        KnownOracleBug(
            id: "zydis-mpx-on-amd", oracle: "zydis", summary: "decodes 0f 1a/0f 1b as MPX for AMD too",
            example: .init("0f1a7f9ecb", .bits64, .amd), observed: .init(valid: false),
            oracleSays: "invalid (bad-register: bnd7; also RIP-relative bndldx/bndstx and 16-bit addressing); valid forms as bndldx, bndmk …",
            truth: "AMD: hint NOP (nop dword ptr [rdi - 0x62], 4 bytes); AMD has no MPX",
            evidence: "Capstone: nop, 4 bytes. CPU (Zen 4): 0f 1a 7f 9e cb, 0f 1b b3 00 12 ea f9, 0f 1a 15 a7 72 f2 13 (RIP-relative), 4f 0f 1b b8 18 cc a0 06, f2 0f 1a c7, 66 0f 1a c0, f3 0f 1b c0 execute with the NOP's length.",
            field: "valid", control: .init("0f1a7f9ecb", .bits64, .intel),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard vendor == .amd, p.at(0) == 0x0F, p.at(1) == 0x1A || p.at(1) == 0x1B, let project = others["project"],
                      project.valid, project.mnemonic == "nop" else { return false }
                if field == "valid" { return !answer.valid }
                let k = kind(field)
                return (k == "mnemonic" || k.hasPrefix("operand")) && answer.mnemonic?.hasPrefix("bnd") == true
            }),
        KnownOracleBug(
            id: "zydis-mpx-16bit-register-forms", oracle: "zydis",
            summary: "accepts BNDCL/BNDCU/BNDCN/BNDMOV register forms with 16-bit addressing",
            example: .init("f20f1ac7", .bits16), observed: .init(valid: true, length: 4, mnemonic: "bndcu"),
            oracleSays: "bndcu bnd0, edi (4 bytes); also in 32-bit mode with 67; memory forms it rejects",
            truth: "Intel: #UD (SDM BNDCL/BNDCU/BNDCN/BNDMOV: #UD if 67H is not used and CS.D=0, or used and CS.D=1, whatever the operand)",
            evidence: "Capstone: invalid (it knows no MPX). With 67 in 16-bit mode (67 f2 0f 1a c7, 32-bit addressing) Zydis and the project agree: bndcu. CPU: no MPX here.",
            field: "valid", control: .init("67f20f1ac7", .bits16),
            matches: { bytes, mode, vendor, answer, others, field, p in
                return vendor == .intel && field == "valid" && answer.valid && p.addressSize == 16 && p.at(0) == 0x0F
                    && (p.at(1) == 0x1A || p.at(1) == 0x1B) && answer.mnemonic?.hasPrefix("bnd") == true
                    && others.rejected
            }),
        KnownOracleBug(
            id: "zydis-vex-mask-high-bits-amd", oracle: "zydis",
            summary: "rejects VEX mask-register specifiers with VEX.R or vvvv's high bit set (64-bit mode) for AMD too",
            example: .init("c57c4ae1", .bits64, .amd), observed: .init(valid: false),
            oracleSays: "invalid (bad-register) for c5 7c 4a e1 (kaddw with VEX.R), c5 bc 4a e1 (vvvv = 8): Intel's rule (XED agrees), whatever the vendor",
            truth: "AMD: kaddw k4, k0, k1, 4 bytes: only the low three bits of a VEX mask specifier count",
            evidence: "CPU (Zen 4): c5 7c 4a e1, c5 bc 4a e1, c4 61 fd 4a e1, c5 55 41 e9, c4 61 05 45 f6 execute (difftest native --exec); EVEX.R/R' on a mask (62 71 7d 48 76 c9) #UD. Capstone: invalid (it knows no opmask forms). The matcher needs the project's Intel answer to be reserved-register and the twin with R and vvvv[3] clear to decode the same.",
            field: "valid", control: .init("c57c4ae1", .bits64, .intel),
            matches: { bytes, mode, vendor, answer, others, field, _ in
                field == "valid" && !answer.valid && vexMaskHighBitsAMD(bytes, mode, vendor, others)
            }),
        amdOnlyEncodings(oracle: "zydis"),
    ]

    /// Zydis mnemonics that exist only as Knights Corner instructions (AVX-512's mask
    /// instructions carry a size suffix: kandw, kmovq …).
    static let kncMnemonics: Set<String> = [
        "jkzd", "jknzd", "kand", "kandn", "kandnr", "kor", "kxor", "kxnor", "knot", "kortest", "kmov", "kmerge2l1h",
        "kmerge2l1l", "kconcath", "kconcatl", "kextract", "clevict0", "clevict1", "delay", "spflt", "tzcnti", "lzcnt",
        "popcnt", "tzcnt", "vprefetch0", "vprefetch1", "vprefetch2", "vprefetche0", "vprefetche1", "vprefetche2",
        "vprefetchnta", "vprefetchenta",
    ]

    /// Instructions Zydis 4.0.0 does not decode, with their encodings: 0F opcode, the mandatory
    /// prefix (0: none), and the ModRM byte (register forms) or ModRM.reg.
    static let zydisUnknownMnemonics: [String: (opcode: UInt8, prefix: UInt8, modrm: UInt8?, reg: UInt8)] = [
        "wrmsrns": (0x01, 0, 0xC6, 0), "rdmsrlist": (0x01, 0xF2, 0xC6, 0), "wrmsrlist": (0x01, 0xF3, 0xC6, 0),
        "erets": (0x01, 0xF2, 0xCA, 0), "eretu": (0x01, 0xF3, 0xCA, 0), "lkgs": (0x00, 0xF2, nil, 6),
    ]

    /// AMD (Zen 4) reads only the low three bits of a VEX mask-register specifier, Intel (XED,
    /// Zydis) rejects VEX.R and, in 64-bit mode, vvvv's high bit there: true when the project
    /// accepts the bytes for AMD, rejects them for Intel as reserved-register, and accepts their
    /// twin with VEX.R and vvvv[3] clear as the same instruction.
    static func vexMaskHighBitsAMD(_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor, _ others: [String: DecodeAnswer]) -> Bool {
        let p = PrefixScan(bytes, mode)
        guard vendor == .amd, mode == .bits64, p.at(0) == 0xC4 || p.at(0) == 0xC5, let project = others["project"],
              project.valid, project.mnemonic?.hasPrefix("k") == true else { return false }
        let intel = projectAnswer(bytes, mode, .intel)
        guard !intel.valid, intel.reason == "reserved-register" else { return false }
        var twin = bytes
        twin[p.opcode + 1] |= 0x80  // R (inverted)
        let vvvv = p.opcode + (p.at(0) == 0xC5 ? 1 : 2)
        guard vvvv < twin.count else { return false }
        twin[vvvv] |= 0x40  // vvvv's high bit (inverted)
        let t = projectAnswer(twin, mode, .intel)
        return t.valid && t.length == project.length && t.mnemonic == project.mnemonic
    }
}
