import X86Decoder

/// The registry of known oracle bugs (see KnownOracleBug). Every entry was measured on this
/// project's machine against Debian's Capstone 4.0.2 and Zydis 4.0.0, with the native length
/// probe; the tests re-check each example and control. Capstone's VEX/EVEX/XOP entries are
/// below, its legacy-map and mode entries in KnownOracleBugs+Capstone.swift, Zydis' in
/// KnownOracleBugs+Zydis.swift.
///
/// CPUs: entries that say "Zen 3" were measured on AMD family 25 model 1 (KVM); entries that say
/// "Zen 4" on AMD family 25 model 17 (EPYC, KVM), which has AVX-512 (F/CD/BW/DQ/VL, IFMA, VBMI,
/// VBMI2, VNNI, BF16, BITALG, VPOPCNTDQ, GFNI, VAES) but not AVX512-FP16, AVX-VNNI, AMX or MPX.
/// Reasons quoted from other oracles: Zydis status names (ZydisOracle.statusNames) and the
/// project's InvalidReason names.
public enum KnownOracleBugs {
    public static let all: [KnownOracleBug] = capstone + capstoneVector + zydis + operandBugs

    /// The decoders whose answers matchers read. A CPU oracle (`native-length`) is left out: what
    /// the CPU does is each entry's recorded evidence, and where it disagrees with the project
    /// that is its own divergence, not part of another oracle's bug.
    static let decoderNames: Set<String> = ["project", "capstone", "zydis"]

    /// The known bug of `oracle` that explains the difference in `field`, if any.
    public static func lookup(oracle: String, bytes: [UInt8], mode: Mode, vendor: Vendor, answers: [String: DecodeAnswer],
                              field: String) -> KnownOracleBug? {
        guard let own = answers[oracle] else { return nil }
        return firstMatch(oracle: oracle, bytes: bytes, mode: mode, vendor: vendor, own: own,
                          others: others(of: oracle, in: answers), field: field).map { all[$0] }
    }

    /// The answers a matcher of `oracle` sees as "the others": every other decoder's.
    static func others(of oracle: String, in answers: [String: DecodeAnswer]) -> [String: DecodeAnswer] {
        answers.filter { $0.key != oracle && decoderNames.contains($0.key) }
    }

    /// Each oracle's matchers with their index in `all`, in registry order: a lookup runs only
    /// its oracle's matchers and never copies an entry (an entry is a dozen strings; copying
    /// each one per lookup was most of the cost of a divergent case in a campaign).
    static let matchersByOracle: [String: [(index: Int, matches: KnownOracleBug.Matcher)]] = {
        var out: [String: [(index: Int, matches: KnownOracleBug.Matcher)]] = [:]
        for (k, bug) in all.enumerated() { out[bug.oracle, default: []].append((k, bug.matches)) }
        return out
    }()

    /// Index in `all` of the first entry of `oracle` whose matcher explains `field`, given
    /// that oracle's answer and the other decoders' answers (`others(of:in:)`).
    static func firstMatch(oracle: String, bytes: [UInt8], mode: Mode, vendor: Vendor, own: DecodeAnswer,
                           others: [String: DecodeAnswer], field: String) -> Int? {
        guard let entries = matchersByOracle[oracle] else { return nil }
        let scan = PrefixScan(bytes, mode)  // once per lookup, not per matcher
        for e in entries where e.matches(bytes, mode, vendor, own, others, field, scan) { return e.index }
        return nil
    }

    static func kind(_ field: String) -> String { FieldDifference.kind(of: field) }

    /// Capstone 4.0.2 and VEX/EVEX/XOP: forms it does not know, and reserved encodings it accepts.
    static let capstoneVector: [KnownOracleBug] = [
        KnownOracleBug(
            id: "capstone-unknown-evex-forms", oracle: "capstone",
            summary: "rejects many valid EVEX forms (AVX-512 BW/DQ/VL forms, embedded rounding, IFMA, VBMI2, VNNI, BF16, FP16, GFNI …)",
            example: .init("62d17548f5c9", .bits64), observed: .init(valid: false),
            oracleSays: "invalid (vpmaddwd zmm1, zmm1, zmm9; also vpaddsw zmm, vpsubb ymm, vmulsd {er}, vpermw, vpshrdw, vpmadd52huq, vfmsubadd231ph …)",
            truth: "vpmaddwd zmm1, zmm1, zmm9 (EVEX.512.66.0F.WIG F5 /r, AVX512BW), 6 bytes",
            evidence: "Zydis: the same instruction and length. CPU (Zen 4): 62 d1 75 48 f5 c9, 62 11 dd c9 ed fc, 62 02 d5 2f 0d e3, 62 f2 d5 c2 8d c7, 62 03 a5 2b 72 43 c0 1b execute with the project's length (FP16 forms #UD there: no AVX512-FP16). 1M random 64-bit buffers: ~25 cases; /usr/lib .text: ~370k.",
            field: "valid", control: .init("62f17d48fec0", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && !answer.valid && p.evex != nil && others.agreeOnOneInstruction != nil
            }),
        KnownOracleBug(
            id: "capstone-unknown-vex-forms", oracle: "capstone",
            summary: "rejects many valid VEX and XOP forms (VBROADCASTI128, opmask instructions, AVX-VNNI, VEX GFNI/VAES/VPCLMULQDQ, LWP)",
            example: .init("c4627d5a1d06e5ffff", .bits64), observed: .init(valid: false),
            oracleSays: "invalid (vbroadcasti128 ymm11, [rip - 0x1afa]; also kmovd, kaddw, kunpckwd, vpdpbusds, vgf2p8mulb, vaesenc ymm …)",
            truth: "vbroadcasti128 ymm11, xmmword ptr [rip - 0x1afa] (VEX.256.66.0F38.W0 5A /r), 9 bytes",
            evidence: "Zydis: the same instruction and length. CPU (Zen 4): c4 62 7d 5a 00 faults on its memory operand (decoded, 5 bytes); c5 e4 4a dc (kaddw), c5 ec 4b e5 (kunpckwd), c4 42 31 cf f6 (vgf2p8mulb) execute, 4/4/5 bytes (c4 42 25 51 32, vpdpbusds, and XOP 8f ca 80 12 …, lwpval, #UD: no AVX-VNNI, no LWP). APM: LWPVAL is XOP.A 12 /1 id.",
            field: "valid", control: .init("c4e27d5800", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                return field == "valid" && !answer.valid && ((p.startsVexOrEvex && p.at(0) != 0x62) || p.startsXop)
                    && others.agreeOnOneInstruction != nil
            }),
        KnownOracleBug(
            id: "capstone-vex-unused-vvvv", oracle: "capstone",
            summary: "accepts VEX forms that use no vvvv register when vvvv is not 1111b (16/32-bit mode: its high bit)",
            example: .init("c4c1b951734e", .bits32), observed: .init(valid: true, length: 6, mnemonic: "vsqrtpd"),
            oracleSays: "vsqrtpd xmm6, xmmword ptr [ebx + 0x4e] (6 bytes) with VEX.vvvv = 0111b; also c4 c2 39 13 e8 (vcvtph2ps)",
            truth: "#UD: VEX.vvvv must be 1111b when the form has no vvvv operand; outside 64-bit mode its high bit is ignored only where it names a register",
            evidence: "Zydis: invalid (bad-register). CPU (Zen 4, 64-bit mode, the same field): c4 e1 39 51 c0 and c4 e2 39 13 e8 #UD, c4 e1 79 51 c0 and c4 e2 79 13 e8 execute. binutils (x86: ignore high register select bit(s) in 32- and 16-bit modes) keeps the all-ones check. The matcher checks the twin with vvvv = 1111b.",
            field: "valid", control: .init("c4c1f951734e", .bits32),
            matches: { bytes, mode, vendor, answer, others, field, p in
                // EVEX likewise (16-bit 62 f3 3d 48 19 30: vextractf32x4 with vvvv 0111b).
                // XOP likewise (16-bit 8f e9 38 c2 8c bd …: vphaddbd with vvvv 0111b).
                // The project may name the W first (32-bit 64 62 f2 bd 08 18 …: invalid-encoding).
                guard field == "valid", answer.valid, p.startsVexOrEvex || p.startsXop, others.rejected,
                      others.rejected(for: ["reserved-vex-field", "invalid-encoding"]) else { return false }
                var twin = bytes
                let k = p.opcode + (p.at(0) == 0xC5 ? 1 : 2)
                twin[k] |= 0x78
                guard twin[k] != bytes[k] else { return false }
                // Outside 64-bit mode Capstone ignores EVEX.W1 as well (32-bit 62 f1 be 08 6f fb:
                // vmovdqu32; capstone-evex-w-outside-64bit): that twin with W0 too.
                var twin2 = twin
                if (p.evex != nil || p.vex3W != nil) && mode != .bits64 { twin2[k] &= 0x7F }
                // An EVEX L'L the form does not allow on top (32-bit 36 62 e1 bd 28 7e 24: vmovd with W1,
                // vvvv 0111b and L'L 01; capstone-evex-ll-ignored): those twins with L'L 00.
                var twins = [twin, twin2]
                if let e = p.evex, e.p2 & 0x60 != 0x60 { twins += twins.map { var t = $0; t[p.opcode + 3] &= 0x9F; return t } }
                // In 16-bit mode Capstone also reads XOP map A's imm32 as 2 bytes (capstone-xop-a-imm32-16bit:
                // 16-bit 8f ea 38 10 3f 67 2e, bextr with vvvv 0111b, 7 bytes for 9).
                let short = mode == .bits16 && p.startsXop && p.at(1).map { $0 & 0x1F == 0x0A } == true ? 2 : 0
                // An EVEX register form with EVEX.b may read one byte more as well, where Capstone
                // takes it as rounding (capstone-evex-rounding-length: 32-bit 62 f1 bf 58 e6 e5,
                // vcvtpd2dq with vvvv 0111b, 7 bytes for 6; not for {sae} only: 32-bit
                // 62 f2 bd 5e c8 dc, vexp2pd, 6 bytes).
                let rounding = p.evex.map { $0.p2 & 0x10 != 0 } == true
                    && p.vectorOpcode.flatMap { p.modrm(at: $0.modrm) }?.mod == 3
                // And names the W1 form outside 64-bit mode (capstone-vex-w1-outside-64bit: 32-bit c4 e3 b9 16 00 ce
                // is vpextrq to it, vpextrd to the project for the fixed twin).
                return twins.contains { b in
                    // The vvvv is what the project rejects: with the other fields fixed and vvvv as it was, it still does.
                    var kept = b
                    kept[k] = (b[k] & 0x87) | (bytes[k] & 0x78)
                    guard !projectAnswer(kept + [UInt8](repeating: 0, count: short), mode, vendor).valid else { return false }
                    let t = projectAnswer(b + [UInt8](repeating: 0, count: short), mode, vendor)
                    let name = t.mnemonic.map { mode != .bits64 && $0.hasSuffix("d") ? [$0, $0.dropLast() + "q"] : [$0] } ?? []
                    guard t.valid, name.contains(answer.mnemonic ?? ""), let n = t.length.map({ $0 - short }) else { return false }
                    return answer.length == n || (rounding && answer.length == n + 1)
                }
            }),
        KnownOracleBug(
            id: "capstone-vex-w-ignored", oracle: "capstone", summary: "accepts VEX.W1 / XOP.W1 on forms defined only with W0",
            example: .init("c4e2e546ef", .bits64), observed: .init(valid: true, length: 5, mnemonic: "vpsravd"),
            oracleSays: "vpsravd ymm5, ymm3, ymm7 (5 bytes); also vpermilpd, vpermps, vmaskmovpd, vperm2i128, XOP vpmacsdql, vpcomw, vfrczps with W1",
            truth: "#UD: VPSRAVD is VEX.66.0F38.W0 46 (W1 exists only as EVEX VPSRAVQ)",
            evidence: "Zydis: invalid (decoding-error). CPU (Zen 4): c4 e2 e5 46 ef, c4 e2 b9 0d 29, c4 c2 ad 2d 37, c4 82 bd 16 93 … #UD; the W0 twins decode as Capstone's instruction with its length. The matcher checks that twin with the project decoder.",
            field: "valid", control: .init("c4e26546ef", .bits64),
            matches: { bytes, mode, vendor, answer, others, field, p in
                guard field == "valid", answer.valid, p.vex3W == true, others.rejected,
                      others.rejected(for: ["invalid-encoding"]) else { return false }
                var twin = bytes
                twin[p.opcode + 2] &= 0x7F
                // With an unused vvvv that is not 1111b as well (16-bit c4 e2 b9 78 53 58, vpbroadcastb):
                // the twin with W0 and vvvv 1111b (capstone-vex-unused-vvvv).
                var twin2 = twin
                twin2[p.opcode + 2] |= 0x78
                return [twin, twin2].contains { b in
                    let t = projectAnswer(b, mode, vendor)
                    return t.valid && t.length == answer.length && t.mnemonic == answer.mnemonic
                }
            }),
        KnownOracleBug(
            id: "capstone-evex-reserved-fields", oracle: "capstone",
            summary: "accepts EVEX encodings with reserved fields: L'L = 11 without embedded rounding, {z} with k0, V' = 0 outside 64-bit mode",
            example: .init("6203756603fdba", .bits64), observed: .init(valid: true, length: 7, mnemonic: "valignd"),
            oracleSays: "valignd zmm31, zmm17, zmm29, 0xba (7 bytes); also 62 52 0d e2 3b f9 (vpminud, L'L 11), 62 42 05 d0 b8 … (vfmadd231ps {z} with k0), 16-bit 62 c1 25 c6 d5 1a (V' = 0)",
            truth: "#UD: EVEX.L'L = 11 is reserved unless EVEX.b gives rounding control on a register form (SDM Table 2-36)",
            evidence: "Zydis: invalid (malformed-evex, invalid-mask). CPU (Zen 4): 62 03 75 66 03 fd ba, 62 52 0d e2 3b f9 and 62 42 05 d0 b8 5d af 55 #UD; 62 42 05 d1 b8 5d af 55 (k1 instead of k0) decodes (faults on memory).",
            field: "valid", control: .init("62037546030000", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                guard field == "valid", answer.valid, let e = p.evex, let op = p.vectorOpcode, others.rejected else { return false }
                let ll = (e.p2 >> 5) & 3, b = e.p2 & 0x10 != 0, z = e.p2 & 0x80 != 0
                let registerForm = p.modrm(at: op.modrm)?.mod == 3
                return (ll == 3 && !(b && registerForm)) || (z && e.p2 & 7 == 0) || (mode != .bits64 && e.p2 & 0x08 == 0)
            }),
        KnownOracleBug(
            id: "capstone-evex-rounding-length", oracle: "capstone",
            summary: "reads one byte too many for EVEX register forms with {ru-sae} or {rz-sae} (EVEX.b = 1, L'L = 1x)",
            example: .init("62f2fd78a8e162f17c481035c0ae04", .bits64), observed: .init(valid: true, length: 7, mnemonic: "vfmadd213pd"),
            oracleSays: "vfmadd213pd zmm4, zmm0, zmm1, 7 bytes (with exactly the 6 bytes: invalid); also 62 f1 85 5f 5c f5 (vsubpd {ru-sae}); {rn,rd}-sae forms are invalid (capstone-unknown-evex-forms)",
            truth: "vfmadd213pd zmm4, zmm0, zmm1, {rz-sae}: 6 bytes",
            evidence: "Zydis: 6 bytes. CPU (Zen 4): 62 f2 fd 78 a8 e1, 62 d1 e5 78 59 e3, 62 f1 85 5f 5c f5 execute, 6 bytes.",
            field: "length", control: .init("62f2fd48a8e162f17c481035c0ae04", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                // {rn-sae} too where Capstone knows the form (62 f1 df 10 58 ce: vaddsd, 7 bytes).
                guard field == "length", let e = p.evex, let op = p.vectorOpcode, e.p2 & 0x10 != 0,
                      p.modrm(at: op.modrm)?.mod == 3, let agreed = others.agreedLength else { return false }
                return answer.length == agreed + 1
            }),
        KnownOracleBug(
            id: "capstone-vsib-without-sib", oracle: "capstone", summary: "accepts VEX gathers without a SIB byte",
            example: .init("c4829591172227", .bits64), observed: .init(valid: true, length: 5, mnemonic: "vpgatherqq"),
            oracleSays: "vpgatherqq ymm2, qword ptr [r15], ymm13 (5 bytes); also 16-bit addressing (16-bit c4 e2 f9 92 14: vgatherdpd xmm2, [si], xmm0)", truth: "#UD: VSIB addressing needs ModRM.rm = 100b (a SIB byte)",
            evidence: "Zydis: invalid (decoding-error). CPU (Zen 4): c4 82 95 91 17 #UD; c4 82 95 91 14 22 (with SIB) decodes.",
            field: "valid", control: .init("c4829591142227", .bits64),
            matches: { bytes, mode, _, answer, others, field, p in
                // 16-bit addressing has no SIB byte at all (16-bit c4 e2 f9 92 14).
                guard field == "valid", answer.valid, let op = p.vectorOpcode, let m = p.modrm(at: op.modrm), m.mod != 3,
                      m.rm != 4 || p.addressSize == 16,
                      let name = answer.mnemonic else { return false }
                return (name.contains("gather") || name.contains("scatter")) && others.rejected
            }),
    ]
}

/// The known bug of `oracle` that explains the difference in `field`, if any (see KnownOracleBugs).
public func knownBug(oracle: String, bytes: [UInt8], mode: Mode, vendor: Vendor, answers: [String: DecodeAnswer],
                     field: String) -> KnownOracleBug? {
    KnownOracleBugs.lookup(oracle: oracle, bytes: bytes, mode: mode, vendor: vendor, answers: answers, field: field)
}
