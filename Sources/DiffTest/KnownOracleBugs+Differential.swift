import X86Decoder

/// Known oracle bugs found by the second triage of fuzz-differential (issue 6): the one-off
/// shapes left in Corpus/fuzz/differential-buckets.tsv after the prefix-order entries
/// (capstone-mandatory-prefix-position), each measured on this machine.
extension KnownOracleBugs {
    static let differentialBugs: [KnownOracleBug] = capstonePauseBugs + capstoneEvexFuzzBugs + capstoneLegacyFuzzBugs + zydisFuzzBugs

    /// Register name at another width: "eax" -> "rax", "r9d" -> "r9" (64: true), the reverse
    /// for false; nil for anything else.
    static func gpr64(_ name: String) -> String? {
        if name.hasPrefix("e"), name.count == 3 { return "r" + name.dropFirst() }
        if name.hasPrefix("r"), name.hasSuffix("d"), Int(name.dropFirst().dropLast()) != nil { return String(name.dropLast()) }
        return nil
    }

    /// The answer with vector registers numbered modulo 8 (what registers 8-31 are outside 64-bit mode).
    static func registersModulo8(_ answer: DecodeAnswer) -> DecodeAnswer {
        var out = answer
        for j in out.operands.indices {
            if let name = out.operands[j].register, let rn = registerNumber(name) { out.operands[j].register = rn.0 + String(rn.1 % 8) }
            if let name = out.operands[j].index, let rn = registerNumber(name) { out.operands[j].index = rn.0 + String(rn.1 % 8) }
        }
        return out
    }

    static let capstonePauseBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-pause-rex-w", oracle: "capstone", summary: "decodes PAUSE with REX.W (f3 48 90) as xchg rax, rax",
            example: .init("f34890", .bits64), observed: .init(valid: true, length: 3, mnemonic: "xchg"),
            oracleSays: "xchg rax, rax (f3 48 90; 67 f3 48 90: likewise)", truth: "pause: F3 90 is PAUSE; REX.W does not make 90 an XCHG (only REX.B does: XCHG r8)",
            evidence: "Zydis: pause. Capstone itself: f3 40 90 is pause, f3 41 90 xchg r8d, eax. XCHG rAX, rAX is the NOP encoding anyway; W selects nothing in it.",
            field: "mnemonic", control: .init("f34090", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return p.at(0) == 0x90 && p.rexW && p.rex & 1 == 0 && p.capstoneMandatory == 0xF3 && answer.mnemonic == "xchg"
                    && others["project"]?.mnemonic == "pause" && (field == "mnemonic" || field == "operands.count")
                    && peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-90-rex-b-with-66", oracle: "capstone",
            summary: "ignores REX.B on 90 (XCHG r8) when a 66 it does not take as the mandatory prefix is there: pause or nop",
            example: .init("66f34790", .bits64), observed: .init(valid: true, length: 4, mnemonic: "pause"),
            oracleSays: "pause (66 f3 47 90; 67 66 f3 47 90 …); nop for 66 f3 66 49 49 49 49 49 90 and 66 f3 67 4d 90",
            truth: "xchg r8w, ax: REX.B makes 90 XCHG r8 (F3 90 is PAUSE, 90 NOP only without REX.B), 66 the operand size",
            evidence: "Capstone itself: f3 41 90 is xchg r8d, eax and f3 66 41 90 xchg r8w, ax; only with a 66 it does not take as mandatory it falls back to the form without REX.B. Zydis says pause for every F3 REX.B 90 (zydis-pause-with-rex-b). The matcher checks that Capstone's answer is the project's for its reading of the prefixes (PrefixScan.capstoneTwin) with REX.B cleared.",
            field: "mnemonic", control: .init("f3664190", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard p.at(0) == 0x90, p.rex & 1 != 0, p.has(0x66), p.capstoneSelector != 0x66, others["project"]?.mnemonic == "xchg",
                      field == "mnemonic" || field == "operands.count" else { return false }
                var twin = p.capstoneTwin(operandSize: false)
                twin[twin.count - (bytes.count - p.opcode) - 1] &= 0xFE
                let t = projectAnswer(twin, mode, vendor)
                return t.valid && t.mnemonic == answer.mnemonic && t.operands.count == answer.operands.count
            }),
    ]

    static let capstoneEvexFuzzBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-evex-67-ignored", oracle: "capstone", summary: "ignores 67 for EVEX memory operands in 64-bit mode (64-bit base and index)",
            example: .init("6762b27d084f00", .bits64), observed: .init(valid: true, length: 7, mnemonic: "vrsqrt14ss"),
            oracleSays: "vrsqrt14ss xmm0, xmm0, dword ptr [rax] (67 62 …; 2e 67 62 …, 67 2e 62 b3 7d 08 3e …: rcx for ecx)",
            truth: "[eax]: 67 makes the address size 32 for EVEX forms as for all others",
            evidence: "Zydis: [eax]. Capstone itself gives VEX forms the 32-bit base (67 c4 e2 79 18 00: vbroadcastss xmm0, [eax]).",
            field: "operand.base", control: .init("67c4e2791800", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard mode == .bits64, p.has(0x67), p.evex != nil, kind(field) == "operand.base" || kind(field) == "operand.index",
                      let mine = operand(answer, field), let theirs = operand(others["project"], field) else { return false }
                let name = kind(field) == "operand.base" ? (mine.base, theirs.base) : (mine.index, theirs.index)
                guard let m = name.0, let t = name.1, gpr64(t) == m else { return false }
                return peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-evex-x-rip-relative", oracle: "capstone",
            summary: "misreads EVEX SIB and RIP-relative memory operands when EVEX.X is set (X̄ = 0): invalid, or with 67 a base register (r12, rbp) without the SIB byte or disp32",
            example: .init("6762b1fd48290505056667", .bits64), observed: .init(valid: true, length: 7, mnemonic: "vmovapd"),
            oracleSays: "vmovapd zmmword ptr ss:[rbp], zmm0, 7 bytes (67 62 b1 fd 48 29 05 …); 67 62 01 fd 28 fd 54 55: vpaddw …, [r12 + 0x550], 8 bytes (no SIB); without the 67 (62 b1 fd 48 29 05 …): invalid (counted as capstone-unknown-evex-forms)",
            truth: "vmovapd zmmword ptr [eip + 0x67660505], zmm0, 11 bytes: EVEX.X extends SIB.index only; without a SIB byte mod 00 rm 101 is RIP-relative (67: EIP-relative) with a disp32 (SDM 2.2.1.6)",
            evidence: "Zydis: the project's instruction and length. CPU (Zen 4): 62 b1 fd 48 29 05 05 05 66 67 and 67 62 b1 fd 48 29 05 05 05 66 67 execute with 10 and 11 bytes. Capstone gets 62 f1 fd 48 29 05 … (X̄ = 1) right.",
            field: "length", control: .init("6762f1fd48290505056667", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard mode == .bits64, let e = p.evex, e.p0 & 0x40 == 0, let op = p.vectorOpcode, let m = p.modrm(at: op.modrm), m.mod != 3,
                      m.rm == 4 || (m.mod == 0 && m.rm == 5) else { return false }
                // The bytes Capstone leaves out: the SIB (and a SIB's disp32 with mod 00, base 101), or the
                // RIP-relative disp32.
                let sibBase = p.at(op.modrm + 1).map { $0 & 7 }
                let missing = m.rm == 4 ? 1 + (m.mod == 0 && sibBase == 5 ? 4 : 0) : 4
                if field == "valid" && !answer.valid { return others.accepted }
                // With a W or L'L the form does not allow on top (capstone-evex-w-ignored, capstone-evex-ll-ignored:
                // 65 67 2e 62 b1 fd 28 6e 2d …: vmovd, W1 and L'L 01): the twin with them fixed, less the bytes
                // Capstone leaves out, is its instruction.
                if field == "valid", let length = answer.length, others.rejected(for: ["invalid-encoding", "decoding-error"]), others.rejected {
                    let base = PrefixScan(bytes, mode).withoutRepeatedPrefixes
                    let k = base.count - (bytes.count - p.opcode)
                    // And another pp (67 62 b1 fd 48 12 05 …: vmovddup; capstone-evex-other-pp-form).
                    for fix in [(0x80, 0x00, 0), (0x00, 0x60, 0), (0x80, 0x60, 0), (0, 0, 1), (0, 0, 2), (0, 0, 3)] as [(UInt8, UInt8, UInt8)] {
                        var twin = base
                        twin[k + 2] ^= fix.0 | fix.2
                        twin[k + 3] &= ~fix.1
                        // Zero bytes after it: the SIB or disp32 Capstone did not read may be past the buffer.
                        let t = projectAnswer(twin + [0, 0, 0, 0, 0], mode, vendor)
                        if t.valid && t.mnemonic == answer.mnemonic && t.length.map({ $0 - missing + bytes.count - base.count }) == length { return true }
                    }
                }
                // Capstone's form fits the buffer (or 15 bytes), the real one does not (67 26 62 b1 fd 0f 28 25 60).
                if field == "valid", let length = answer.length {
                    return min(bytes.count, 15) < length + missing && others.rejected
                        && others.rejected(for: ["truncated", "no-more-data", "too-long", "instruction-too-long"])
                }
                return field == "length" && others.agreedLength.map { answer.length == $0 - missing } == true
            }),
        KnownOracleBug(
            id: "capstone-evex-other-pp-form", oracle: "capstone",
            summary: "decodes an EVEX form that does not exist with its pp and length as the form of another pp (66 0f 12 W1, L'L 10: vmovddup)",
            example: .init("62f1fd48127f64", .bits64), observed: .init(valid: true, length: 7, mnemonic: "vmovddup"),
            oracleSays: "vmovddup zmm7, zmmword ptr [rdi + 0x1900] (EVEX.512.66.0F.W1 12)", truth: "#UD: EVEX.66.0F.W1 12 is VMOVLPD, 128-bit only; VMOVDDUP is EVEX.F2.0F.W1 12",
            evidence: "Zydis: invalid (decoding-error). CPU (Zen 4): 62 f1 fd 48 12 7f 64 #UD after 7 bytes; 62 f1 ff 48 12 7f 64 (pp F2) is vmovddup to all three. The matcher checks that the bytes with another pp are exactly Capstone's answer for the project, up to the memory-operand bugs Capstone has on that twin as well (capstone-64bit-fs-gs-shadowed, capstone-evex-67-ignored: 67 62 b1 fd 48 12 0f …, 64 67 36 62 f1 fd 48 12 2c 61 …).",
            field: "valid", control: .init("62f1ff48127f64", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard field == "valid", answer.valid, p.evex != nil, others.rejected, others.rejected(for: ["invalid-encoding", "decoding-error"])
                else { return false }
                // Outside 64-bit mode Capstone also names registers 8-31 (capstone-high-vector-register-outside-64bit:
                // 16-bit 62 e1 fd 48 12 64 65 64, zmm20 for zmm4): compared modulo 8 there.
                let mine = mode == .bits64 ? answer : registersModulo8(answer)
                // With an unused vvvv that is not 1111b as well (16-bit 65 62 f1 bd 48 12 f8; capstone-vex-unused-vvvv).
                return [0x00, 0x78].contains { (vvvv: UInt8) in
                    (0..<4).contains { pp in
                        var twin = bytes
                        twin[p.opcode + 2] = (twin[p.opcode + 2] | vvvv) & 0xFC | UInt8(pp)
                        guard twin != bytes else { return false }
                        let t = projectAnswer(twin, mode, vendor)
                        let differences = compare(t, mine)
                        if differences.isEmpty { return true }
                        // Capstone's instruction, but for operand details it gets wrong on the twin as
                        // well (64 67 36 62 f1 fd 48 12 2c 61 …: ds: for fs:, capstone-64bit-fs-gs-shadowed;
                        // 67 62 b1 fd 48 12 0f …: [rdi] for [edi], capstone-evex-67-ignored).
                        guard t.valid, t.mnemonic == mine.mnemonic, t.length == mine.length else { return false }
                        return capstoneBugsOnTwin(twin, mode, vendor, capstone: mine, fields: differences.map(\.field))
                    }
                }
            }),
        KnownOracleBug(
            id: "capstone-evex-scalar-ll-w1", oracle: "capstone",
            summary: "decodes EVEX.W1 scalar forms (vrsqrt14sd, vrcp14sd, vfnmsub213sd …) as their W0 (ss) form when L'L is not 00",
            example: .init("62f2fd284f19", .bits64), observed: .init(valid: true, length: 6, mnemonic: "vrsqrt14ss"),
            oracleSays: "vrsqrt14ss xmm3, xmm0, dword ptr [rcx] (L'L 01); with L'L 00 (62 f2 fd 08 4f 19) vrsqrt14sd",
            truth: "vrsqrt14sd xmm3, xmm0, qword ptr [rcx]: scalar forms ignore L'L (LIG), W1 selects sd",
            evidence: "Zydis: vrsqrt14sd, qword. CPU (Zen 4): 62 f2 fd 28 4f 19 and 62 f2 fd 08 4f 19 both decode (fault on the memory operand at rcx), 6 bytes. The matcher checks that the bytes with W0 are Capstone's instruction for the project.",
            field: "mnemonic", control: .init("62f2fd084f19", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                // The GPR source of vcvtsi2sd/ss too (62 f1 ff 28 2a f2: edx for rdx).
                guard let e = p.evex, e.p1 & 0x80 != 0, e.p2 & 0x60 != 0,
                      field == "mnemonic" || kind(field) == "operand.size" || kind(field) == "operand.register",
                      peerSidesWithProject(others, field) else { return false }
                var twin = bytes
                twin[p.opcode + 2] &= 0x7F
                let t = projectAnswer(twin, mode, vendor)
                return t.mnemonic == answer.mnemonic && sameField(t, answer, field)
            }),
        KnownOracleBug(
            id: "capstone-evex-w1-vector-length", oracle: "capstone",
            summary: "gives EVEX.W1 forms of W-ignored (WIG) byte/word instructions the 128-bit length whatever L'L says",
            example: .init("6291a528fdf1", .bits64), observed: .init(valid: true, length: 6, mnemonic: "vpaddw"),
            oracleSays: "vpaddw xmm6, xmm11, xmm25 (EVEX.W1, L'L 01); also vpminsb, vpminuw (disp8 scaled by 16)",
            truth: "vpaddw ymm6, ymm11, ymm25: VPADDW is EVEX.NDS.256.66.0F.WIG FD; W is ignored and L'L 01 is 256 bits",
            evidence: "Zydis: ymm. Capstone itself: ymm with W0 (62 91 25 28 fd f1). CPU (Zen 4): 62 91 a5 28 fd f1 executes, 6 bytes. The matcher checks that the bytes with L'L 00 are Capstone's answer for the project in the field.",
            field: "operand.register", control: .init("62912528fdf1", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                let k = kind(field)
                guard let e = p.evex, e.p1 & 0x80 != 0, e.p2 & 0x60 != 0, e.p2 & 0x10 == 0,
                      k == "operand.register" || k == "operand.size" || k == "operand.displacement", peerSidesWithProject(others, field) else { return false }
                var twin = bytes
                twin[p.opcode + 3] &= 0x9F
                let t = projectAnswer(twin, mode, vendor)
                // Outside 64-bit mode Capstone also names registers 8-31 (16-bit 62 e1 fd 28 fd 74:
                // xmm22 for ymm6; capstone-high-vector-register-outside-64bit): compared modulo 8.
                let mine = mode == .bits64 ? answer : registersModulo8(answer)
                return t.mnemonic == answer.mnemonic && sameField(t, mine, field)
            }),
        KnownOracleBug(
            id: "capstone-evex-partial-memory-size", oracle: "capstone",
            summary: "sizes the memory operand of EVEX VPMOVZX/VPMOVSX (source) and VPMOV down-converts (destination) narrower than 16 bytes as 16",
            example: .init("62727e48323a", .bits64), observed: .init(valid: true, length: 6, mnemonic: "vpmovqb"),
            oracleSays: "vpmovqb xmmword ptr [rdx], zmm15; vpmovzxbq zmm5, xmmword ptr [rax]; vpmovsxbq zmm4, xmmword ptr [rdx - 0x70]",
            truth: "vpmovqb qword ptr [rdx], zmm15: 8 one-byte elements (SDM VPMOVQB m64, zmm); vpmovzxbq zmm reads m64",
            evidence: "Zydis: qword. Capstone sizes the 16- and 32-byte forms right (vpmovzxbw zmm, ymmword).",
            field: "operand.size", control: .init("62727e48303a", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard p.evex != nil, answer.mnemonic?.hasPrefix("vpmov") == true else { return false }
                return capstoneMemorySize(field, answer, others, wrong: [16], truth: [2, 4, 8])
            }),
        KnownOracleBug(
            id: "capstone-avx512er-broadcast-size", oracle: "capstone",
            summary: "sizes the broadcast element of AVX512ER VRCP28PD/VRSQRT28PD/VEXP2PD (m64bcst) as the whole vector",
            example: .init("62e2fd5dcc40ca", .bits64), observed: .init(valid: true, length: 7, mnemonic: "vrsqrt28pd"),
            oracleSays: "vrsqrt28pd zmm16, zmmword ptr [rax - 0xd8] (with the disp8 scaled by 4: capstone-evex-disp8-scale)",
            truth: "vrsqrt28pd zmm16, qword ptr [rax - 0x1b0] {1to8}: EVEX.b on a memory form broadcasts one m64 element (SDM VRSQRT28PD zmm1, zmm2/m512/m64bcst)",
            evidence: "Zydis: qword, [rax - 0x1b0]. CPU (Zen 4): #UD (no AVX512ER), so only the manual decides.",
            field: "operand.size", control: .init("62e2fd4dcc40ca", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard let e = p.evex, e.p2 & 0x10 != 0, let name = answer.mnemonic,
                      ["vrcp28pd", "vrsqrt28pd", "vexp2pd", "vrcp28ps", "vrsqrt28ps", "vexp2ps"].contains(name) else { return false }
                return capstoneMemorySize(field, answer, others, wrong: [64], truth: [4, 8])
            }),
        KnownOracleBug(
            id: "capstone-gather-qps-element-size", oracle: "capstone",
            summary: "sizes the dword element of EVEX VGATHERQPS/VPGATHERQD/VSCATTERQPS/VPSCATTERQD as a qword",
            example: .init("62d27d4a936c2500", .bits64), observed: .init(valid: true, length: 8, mnemonic: "vgatherqps"),
            oracleSays: "vgatherqps ymm5, qword ptr [r13 + zmm4]", truth: "dword ptr: the elements are single-precision (SDM VGATHERQPS ymm1 {k1}, vm64z: dword elements at qword indices)",
            evidence: "Zydis: dword. Capstone sizes vgatherdps (62 d2 7d 4a 92 6c 25 00) dword.",
            field: "operand.size", control: .init("62d27d4a926c2500", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                ["vgatherqps", "vpgatherqd", "vscatterqps", "vpscatterqd"].contains(answer.mnemonic ?? "")
                    && capstoneMemorySize(field, answer, others, wrong: [8], truth: [4])
            }),
        KnownOracleBug(
            id: "capstone-vpmovm2-operands-swapped", oracle: "capstone",
            summary: "swaps ModRM.reg and ModRM.rm for VPMOVM2B/W/D/Q (vector register from rm, mask from reg)",
            example: .init("62f27e0828fd", .bits64), observed: .init(valid: true, length: 6, mnemonic: "vpmovm2b"),
            oracleSays: "vpmovm2b xmm5, k7 (ModRM fd: reg 7, rm 5); likewise in 16- and 32-bit mode and for vpmovm2w",
            truth: "vpmovm2b xmm7, k5: VPMOVM2B xmm1, k1 is EVEX.F3.0F38.W0 28 /r with xmm1 in ModRM.reg and k1 in ModRM.rm (SDM)",
            evidence: "Zydis: xmm7, k5. CPU (Zen 4): 62 f2 7e 08 28 fd executes, 6 bytes (the register roles are not observable by the length probe).",
            field: "operand.register", control: .init("62f27e0828ff", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                guard answer.mnemonic?.hasPrefix("vpmovm2") == true, kind(field) == "operand.register" || kind(field) == "operand.size",
                      answer.operands.count == 2, let project = others["project"], project.operands.count == 2,
                      let m0 = answer.operands[0].register, let m1 = answer.operands[1].register,
                      let t0 = project.operands[0].register, let t1 = project.operands[1].register,
                      m1.hasPrefix("k"), t1.hasPrefix("k"), let v = registerNumber(m0), let w = registerNumber(t0) else { return false }
                // EVEX.X may add 16 to Capstone's register on top (62 b2 7e 08 28 d0: xmm16, k2 for xmm2, k0;
                // capstone-evex-x-in-register-operand).
                return v.0 == w.0 && v.1 != w.1 && v.1 % 8 == Int(t1.dropFirst()) && w.1 % 8 == Int(m1.dropFirst())
                    && peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-prefetch-gather-mask-operand", oracle: "capstone",
            summary: "lists the opmask of AVX512PF VGATHERPF*/VSCATTERPF* as an explicit first operand",
            example: .init("62f2fd4cc72c0f", .bits64), observed: .init(valid: true, length: 7, mnemonic: "vscatterpf0qpd"),
            oracleSays: "vscatterpf0qpd k4, qword ptr [rdi + rcx] (the index as a GPR too: capstone-evex-vsib-index-as-gpr)",
            truth: "vscatterpf0qpd qword ptr [rdi + zmm1] {k4}: one explicit operand, the VSIB memory; k4 is the writemask (SDM VSCATTERPF0QPD vm64z {k1})",
            evidence: "Zydis: one operand, [rdi + zmm1]. CPU (Zen 4): no AVX512PF (#UD), so only the manual decides.",
            field: "operands.count", control: .init("62d27d4a926c2500", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                guard field == "operands.count" || field == "operand[0].kind", let name = answer.mnemonic,
                      name.hasPrefix("vgatherpf") || name.hasPrefix("vscatterpf"), let project = others["project"],
                      answer.operands.count == project.operands.count + 1, answer.operands.first?.register?.hasPrefix("k") == true else { return false }
                return peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-evex-vsib-index-as-gpr", oracle: "capstone",
            summary: "names a general-purpose index register for EVEX VSIB operands when EVEX.V' is 0 (V̄' = 1)",
            example: .init("62f2fd49a374994a", .bits64), observed: .init(valid: true, length: 8, mnemonic: "vscatterqpd"),
            oracleSays: "vscatterqpd qword ptr [rcx + rbx*4 + 0x250], zmm6 (32-bit: ebx)", truth: "[rcx + zmm3*4 + 0x250]: VSIB always has a vector index; V' only extends its number (SDM 2.7.8)",
            evidence: "Zydis: zmm3. Capstone itself names a vector index where V' = 1 and the opposite error for ordinary memory (capstone-evex-v-prime-as-index).",
            field: "operand.index", control: .init("62d27d4a926c2500", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard let e = p.evex, e.p2 & 0x08 != 0, kind(field) == "operand.index" || kind(field) == "operand.scale" else { return false }
                // SIB.index 100b: no index at all to Capstone, and scale 1 (62 f2 7d 4c a3 2c 62: [rdx + zmm4*2]).
                if let op = p.vectorOpcode, p.modrm(at: op.modrm)?.rm == 4, let sib = p.at(op.modrm + 1), (sib >> 3) & 7 == 4,
                   let mine = operand(answer, field), mine.index == nil, operand(others["project"], field)?.index.map(registerNumber) != nil {
                    return peerSidesWithProject(others, field)
                }
                guard kind(field) == "operand.index", let mine = operand(answer, field)?.index, let theirs = operand(others["project"], field)?.index,
                      Normalization.registerSize(mine).map({ $0 <= 8 }) == true, let t = registerNumber(theirs) else { return false }
                let gprs = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]
                let number = mine.hasPrefix("r") && Int(mine.dropFirst().filter(\.isNumber)) != nil
                    ? Int(mine.dropFirst().filter(\.isNumber)) : gprs.firstIndex(of: String(mine.dropFirst()))
                return number == t.1 % 16 && peerSidesWithProject(others, field)
            }),
    ]

    static let capstoneLegacyFuzzBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-movmskp-rex-w", oracle: "capstone", summary: "names a 32-bit destination for MOVMSKPS/MOVMSKPD with REX.W",
            example: .init("490f50f0", .bits64), observed: .init(valid: true, length: 4, mnemonic: "movmskps"),
            oracleSays: "movmskps esi, xmm8", truth: "movmskps rsi, xmm8 (SDM: NP REX.W 0F 50 /r MOVMSKPS r64, xmm; the upper bits are zeroed)",
            evidence: "Zydis: rsi. CPU (Zen 4): 49 0f 50 f0 executes, 4 bytes.",
            field: "operand.register", control: .init("410f50f0", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard p.rexW, p.at(0) == 0x0F, p.at(1) == 0x50, field == "operand[0].register" || field == "operand[0].size",
                      let mine = answer.operands.first?.register, let theirs = others["project"]?.operands.first?.register,
                      gpr64(mine) == theirs else { return false }
                return peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-lsl-rex-w-source", oracle: "capstone", summary: "names a 64-bit source register for LSL with REX.W",
            example: .init("4c0f03cd", .bits64), observed: .init(valid: true, length: 4, mnemonic: "lsl"),
            oracleSays: "lsl r9, rbp (also with 66 or 67 before the REX)", truth: "lsl r9, ebp (SDM: REX.W + 0F 03 /r LSL r64, r32/m16)",
            evidence: "Zydis: ebp. Capstone itself: lar r9, ebp for 4c 0f 02 cd.", field: "operand.register", control: .init("4c0f02cd", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard p.rexW, p.at(0) == 0x0F, p.at(1) == 0x03, field == "operand[1].register" || field == "operand[1].size",
                      let mine = operand(answer, field)?.register, let theirs = operand(others["project"], field)?.register,
                      gpr64(theirs) == mine else { return false }
                return peerSidesWithProject(others, field)
            }),
        KnownOracleBug(
            id: "capstone-bextr-imm-size", oracle: "capstone", summary: "sizes the imm32 of XOP BEXTR (8f map A 10) as 8 bytes with XOP.W1",
            example: .init("8feaf810c7fe0a0000", .bits64), observed: .init(valid: true, length: 9, mnemonic: "bextr"),
            oracleSays: "bextr rax, rdi, 0xafe (immediate size 8; 8f ea f8 10 29 0d 9a f8 c4: 0xffffffffc4f89a0d)",
            truth: "immediate size 4, 0xc4f89a0d: XOP.A 10 /r id, a 4-byte control word in every mode (APM BEXTR: bits 7:0 start, 15:8 length)",
            evidence: "Zydis: 4, 0xc4f89a0d. Capstone itself: 4 with W0 (8f ea 78 10 c7 …) and its own length is the 4-byte one.",
            field: "operand.size", control: .init("8fea7810c7fe0a0000", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard p.startsXop, p.at(1).map({ $0 & 0x1F == 0x0A }) == true, answer.mnemonic == "bextr", answer.operands.count == 3,
                      peerSidesWithProject(others, field) else { return false }
                // The value with it: sign-extended to 64 bits (8f ea f8 10 29 0d 9a f8 c4: 0xffffffffc4f89a0d for
                // the imm32 0xc4f89a0d, a control word whose bits 15:0 give start and length).
                if field == "operand[2].value", let mine = hexValue(answer.operands[2].value),
                   let truth = hexValue(others["project"]?.operands.last?.value) {
                    return truth <= 0xFFFF_FFFF && truth & 0x8000_0000 != 0 && mine == truth | 0xFFFF_FFFF_0000_0000
                }
                return field == "operand[2].size" && answer.operands[2].size == 8 && others["project"]?.operands.last?.size == 4
            }),
        KnownOracleBug(
            id: "capstone-pcommit", oracle: "capstone", summary: "decodes PCOMMIT (66 0f ae f8), which was removed from the architecture",
            example: .init("660faef8", .bits32), observed: .init(valid: true, length: 4, mnemonic: "pcommit"),
            oracleSays: "pcommit (4 bytes)", truth: "#UD: Intel withdrew PCOMMIT before any CPU shipped it (2016, \"Deprecating the PCOMMIT Instruction\"); the SDM no longer lists 66 0F AE F8",
            evidence: "Zydis: invalid (decoding-error). CPU (Zen 4): 66 0f ae f8 #UD.",
            field: "valid", control: .init("0faef8", .bits32),
            matches: { _, _, _, answer, others, field, _ in
                field == "valid" && answer.valid && answer.mnemonic == "pcommit" && others.rejected
            }),
        KnownOracleBug(
            id: "capstone-erets-eretu-as-clac", oracle: "capstone", summary: "decodes ERETS/ERETU (f2/f3 0f 01 ca, FRED) as CLAC, ignoring the F2/F3",
            example: .init("f20f01ca", .bits64), observed: .init(valid: true, length: 4, mnemonic: "clac"),
            oracleSays: "clac (f2 0f 01 ca, f3 0f 01 ca, 66 f2 0f 01 ca)", truth: "erets / eretu (SDM: F2 0F 01 CA ERETS, F3 0F 01 CA ERETU; CLAC is NP 0F 01 CA)",
            evidence: "Zydis 4.0.0 knows neither and rejects them (zydis-unknown-instructions). CPU (Zen 4, no FRED): f2 0f 01 ca #UD (0f 01 ca, CLAC, #UD at CPL3 too).",
            field: "mnemonic", control: .init("0f01ca", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                field == "mnemonic" && answer.mnemonic == "clac" && ["erets", "eretu"].contains(others["project"]?.mnemonic ?? "")
            }),
        KnownOracleBug(
            id: "capstone-vmgexit-as-vmmcall", oracle: "capstone", summary: "decodes VMGEXIT (f3 0f 01 d9) as VMMCALL",
            example: .init("f30f01d9", .bits64), observed: .init(valid: true, length: 4, mnemonic: "vmmcall"),
            oracleSays: "vmmcall (every mode)", truth: "vmgexit (APM Vol. 3: VMGEXIT is F3 0F 01 D9, the SEV-ES guest exit; VMMCALL is 0F 01 D9)",
            evidence: "Zydis 4.0.0 says vmmcall as well (zydis-vmgexit-as-vmmcall). CPU: neither runs at CPL3 outside an SEV-ES guest.",
            field: "mnemonic", control: .init("0f01d9", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                field == "mnemonic" && answer.mnemonic == "vmmcall" && others["project"]?.mnemonic == "vmgexit"
            }),
    ]

    static let zydisFuzzBugs: [KnownOracleBug] = [
        KnownOracleBug(
            id: "zydis-vmgexit-as-vmmcall", oracle: "zydis", summary: "decodes VMGEXIT (f3 0f 01 d9) as VMMCALL",
            example: .init("f30f01d9", .bits64), observed: .init(valid: true, length: 4, mnemonic: "vmmcall"),
            oracleSays: "vmmcall", truth: "vmgexit (APM Vol. 3: F3 0F 01 D9)",
            evidence: "Capstone says vmmcall as well (capstone-vmgexit-as-vmmcall).", field: "mnemonic", control: .init("0f01d9", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                field == "mnemonic" && answer.mnemonic == "vmmcall" && others["project"]?.mnemonic == "vmgexit"
            }),
        KnownOracleBug(
            id: "zydis-rmpquery-as-rdpru", oracle: "zydis", summary: "decodes RMPQUERY (f3 0f 01 fd) and RMPREAD (f2 0f 01 fd) as RDPRU, ignoring the F3/F2",
            example: .init("f30f01fd", .bits64), observed: .init(valid: true, length: 4, mnemonic: "rdpru"),
            oracleSays: "rdpru (4 bytes; 2e f3 2e 0f 01 fd …, f2 f2 f2 67 65 26 48 0f 01 fd: likewise)", truth: "rmpquery (APM Vol. 3: RMPQUERY is F3 0F 01 FD, RMPREAD F2 0F 01 FD, SEV-SNP; RDPRU is NP 0F 01 FD)",
            evidence: "Capstone: invalid (it knows neither, capstone-unknown-instructions). Zydis 4.0.0 does not know RMPQUERY and treats F3 as a REP prefix it may ignore. CPU (Zen 4): f3 0f 01 fd #UD after 4 bytes (no SNP host here; 0f 01 fd #UD as well: RDPRU is off in this VM).",
            field: "mnemonic", control: .init("0f01fd", .bits64),
            matches: { _, _, _, answer, others, field, _ in
                field == "mnemonic" && answer.mnemonic == "rdpru" && ["rmpquery", "rmpread"].contains(others["project"]?.mnemonic ?? "")
            }),
        KnownOracleBug(
            id: "zydis-notrack-drops-ds-override", oracle: "zydis",
            summary: "drops the DS override of a 3E-prefixed near indirect JMP/CALL (ff /2, /4) outside 64-bit mode, taking 3E as NOTRACK only",
            example: .init("3eff636d", .bits16), observed: .init(valid: true, length: 4, mnemonic: "jmp"),
            oracleSays: "jmp word ptr ss:[bp + di + 0x6d] (notrack; the default segment SS)",
            truth: "jmp word ptr ds:[bp + di + 0x6d]: 3E is the DS segment override (SDM Vol. 2 2.1.1 group 2; APM Vol. 3 1.2.4). NOTRACK (Intel CET IBT) only exempts the branch from ENDBRANCH tracking; AMD has no NOTRACK at all, and a CPU without IBT (Zen 4) reads 3E as DS only",
            evidence: "Capstone: ds, like the project. Zydis itself keeps DS for the same 3E on other instructions (16-bit 3e 8b 63 6d: mov … ds:[bp + di + 0x6d]) and in 64-bit mode has no segment to lose. Not measurable here: the native oracles run 64-bit code only, where DS is ignored.",
            field: "operand.segment", control: .init("ff636d", .bits16),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard mode != .bits64, p.lastSegment == 0x3E, p.at(0) == 0xFF, let m = p.modrm(at: 1), m.mod != 3, m.reg == 2 || m.reg == 4,
                      kind(field) == "operand.segment", operand(others["project"], field)?.segment == "ds",
                      peerSidesWithProject(others, field), let twin = withoutPrefixes(bytes, mode, [0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65]) else { return false }
                // Zydis' segment is the default one: the project's for the bytes without segment prefixes.
                return operand(projectAnswer(twin, mode, vendor), field)?.segment == operand(answer, field)?.segment
            }),
    ]
}
