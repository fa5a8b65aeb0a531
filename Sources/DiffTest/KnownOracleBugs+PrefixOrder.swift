import X86Decoder

/// How Capstone 4.0.2 reads the legacy prefixes of a legacy-map instruction, measured with
/// `difftest decode --oracle capstone` (64-bit mode unless said):
///
/// - The mandatory prefix that selects the form of a 0F-map opcode (and PAUSE, f3 90) is only
///   the byte right before the opcode, or right before its REX when exactly one REX precedes
///   the opcode: `f2 66 0f 10 c0` is movupd (CPU: movsd, the last F2/F3 beats 66), `66 2e 0f 58
///   c0` addps (CPU: addpd), `f3 67 0f 10 c0` movups, `66 4c 4c 0f d0 c0` no instruction
///   (two REX bytes: the byte before the last REX is a REX), while `66 4c 0f d0 c0` is
///   addsubpd and `66 f2 0f 10 c0` movsd. A 67 there with REX.W reads as 66 (`f3 67 4a 0f 10
///   c0`: movupd; capstone-67-rex-w-as-66), without REX.W as nothing. In 16-bit mode no
///   66/F2/F3 selects a form at all (`66 0f 58 c0`: addps).
/// - A 66 anywhere still sets the operand size, and where the form has a 16-bit twin Capstone
///   takes it (`66 2e 01 c0`: add ax, ax); where the 66 would select another instruction it
///   does not (`66 2e 0f 58 c0`: addps, not addpd).
/// - REX followed by a legacy prefix is dropped, as by the CPU; of a run of REX bytes the last
///   counts.
///
/// The CPU (SDM Vol. 2 2.1.1, the project, Zydis) takes the last F2/F3 wherever it stands,
/// else a 66 wherever it stands.
extension PrefixScan {
    /// Index of the byte Capstone takes as the mandatory prefix: right before the opcode, or
    /// before the REX when one REX precedes it (with two or more it is a REX byte).
    var capstoneSelectorIndex: Int? {
        var k = opcode - 1
        if mode == .bits64, k >= 0, bytes[k] & 0xF0 == 0x40 { k -= 1 }
        return k >= 0 ? k : nil
    }

    /// The legacy prefix at Capstone's mandatory-prefix position, if one is there.
    var capstoneSelector: UInt8? {
        guard let k = capstoneSelectorIndex, Self.legacyPrefixes.contains(bytes[k]) else { return nil }
        return bytes[k]
    }

    /// The prefix that selects a 0F-map form for Capstone: 66, F2, F3 or nil (see above).
    var capstoneMandatory: UInt8? {
        switch capstoneSelector {
        case 0x66, 0xF2, 0xF3: mode == .bits16 ? nil : capstoneSelector
        case 0x67: mode == .bits64 && rexW ? 0x66 : nil
        default: nil
        }
    }

    /// The prefix that selects the form for the CPU: the last F2/F3, else 66.
    var mandatory: UInt8? { lastRep ?? (has(0x66) ? 0x66 : nil) }

    /// The bytes with their prefixes as Capstone reads them, in an order the CPU reads the
    /// same way: every 66/F2/F3 dropped (and a LOCK before an F2/F3), Capstone's mandatory
    /// prefix right before the REX and opcode; with `operandSize`, a 66 first (the operand size
    /// it still applies).
    /// With `clearW`, REX.W cleared: a 67 read as 66 takes the form without W (64-bit `67 48 0f
    /// 3a 16 …` is pextrd to Capstone, `66 48 0f 3a 16 …` pextrq).
    func capstoneTwin(operandSize: Bool, clearW: Bool = false) -> [UInt8] {
        var out: [UInt8] = operandSize ? [0x66] : []
        // A LOCK followed by F2/F3 is forgotten (Capstone keeps only the last of F0/F2/F3:
        // 16-bit f0 f2 0f 78 e2 is vmread to it, with a LOCK that would make it invalid). Of a
        // repeated prefix only the last stays (both read them alike), so that the added 66 or
        // mandatory prefix does not push the twin past 15 bytes.
        let lastGroup1 = legacy.lastIndex { $0 == 0xF0 || $0 == 0xF2 || $0 == 0xF3 }
        out += legacy.indices.filter { k in
            let b = legacy[k]
            return b != 0x66 && b != 0xF2 && b != 0xF3 && (b != 0xF0 || k == lastGroup1) && !legacy[(k + 1)...].contains(b)
        }.map { legacy[$0] }
        if let m = capstoneMandatory { out.append(m) }
        // The REX bytes right before the opcode, all of them: with two or more Capstone takes no
        // mandatory prefix, and a single REX after a kept 67 would make it read the 67 as 66.
        var run = opcode
        while mode == .bits64 && run > 0 && bytes[run - 1] & 0xF0 == 0x40 { run -= 1 }
        out += bytes[run..<(opcode - (rex != 0 ? 1 : 0))]
        if rex != 0 { out.append(clearW ? rex & 0xF7 : rex) }
        return out + bytes[opcode...]
    }

    /// The bytes with only the last of each repeated legacy prefix (the CPU and Capstone read
    /// them alike: the last segment, F2/F3 and 66/67 wherever they are), for twins that would
    /// pass 15 bytes.
    var withoutRepeatedPrefixes: [UInt8] {
        let segments: Set<UInt8> = [0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65]
        let reps: Set<UInt8> = [0xF2, 0xF3]
        // Of the segment overrides the last one, and in 64-bit mode the last FS/GS (it wins over
        // a later ignored one); of F2/F3 the last one; of the others one each.
        let lastFSGS = mode == .bits64 ? legacy.lastIndex { $0 == 0x64 || $0 == 0x65 } : nil
        let kept = legacy.indices.filter { k in
            let b = legacy[k]
            if segments.contains(b) { return k == legacy.lastIndex(where: segments.contains) || k == lastFSGS }
            if reps.contains(b) { return k == legacy.lastIndex(where: reps.contains) }
            return !legacy[(k + 1)...].contains(b)
        }.map { legacy[$0] }
        return kept + (rex != 0 ? [rex] : []) + bytes[opcode...]
    }

    /// The twins of capstoneTwin worth trying: with and without the 66 (if there is one and
    /// Capstone does not take it as the mandatory prefix), and for a 67 read as 66 with and
    /// without REX.W.
    var capstoneTwins: [[UInt8]] {
        var out = [capstoneTwin(operandSize: false)]
        if has(0x66) && capstoneMandatory != 0x66 { out.append(capstoneTwin(operandSize: true)) }
        if capstoneSelector == 0x67 && capstoneMandatory == 0x66 { out.append(capstoneTwin(operandSize: false, clearW: true)) }
        return out
    }
}

extension KnownOracleBugs {
    /// `twin` has `answer`'s value in `field` (an operand field: the operand has the same kind;
    /// lengths set aside).
    static func sameField(_ twin: DecodeAnswer, _ answer: DecodeAnswer, _ field: String) -> Bool {
        guard twin.valid, answer.valid else { return false }
        var t = twin
        t.length = answer.length
        let k = FieldDifference(field: field, left: "", right: "").operandIndex
        return !compare(t, answer).contains { $0.field == field || $0.field == "operands.count" || (k != nil && $0.field == "operand[\(k!)].kind") }
    }

    /// Capstone's and Zydis' answers for other bytes (a twin), for matchers that check that a
    /// twin's own difference is a registered bug. Made per call: only divergent fields that no
    /// simpler check explains get here.
    static func peerAnswers(_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor) -> [String: DecodeAnswer] {
        var out = ["project": projectAnswer(bytes, mode, vendor)]
        if let c = try? CapstoneOracle() { out["capstone"] = c.decode(bytes, mode: mode, vendor: vendor, address: 0) }
        if let z = try? ZydisOracle() { out["zydis"] = z.decode(bytes, mode: mode, vendor: vendor, address: 0) }
        return out
    }

    /// Every one of `fields` in which `capstone` differs from the project's answer for `twin` is
    /// a registered Capstone bug of the twin itself (the registry's own matchers decide, with
    /// Zydis' answer for the twin as the peer).
    static func capstoneBugsOnTwin(_ twin: [UInt8], _ mode: Mode, _ vendor: Vendor, capstone: DecodeAnswer, fields: [String]) -> Bool {
        var answers = peerAnswers(twin, mode, vendor)
        answers["capstone"] = capstone
        return fields.allSatisfy { lookup(oracle: "capstone", bytes: twin, mode: mode, vendor: vendor, answers: answers, field: $0) != nil }
    }

    /// capstone-mandatory-prefix-position: Capstone's answer in `field` is the project's for
    /// the twin that has the prefixes as Capstone reads them (PrefixScan.capstoneTwin), or
    /// Capstone gives the twin the same answer and the twin's own difference in `field` is
    /// another registered Capstone bug (`4d 65 66 65 2e 0f 62 00`: read as `65 65 2e 4d 0f 62
    /// 00`, punpckldq mm0, whose m32 Capstone sizes m64: capstone-mmx-unpack-low-memory-size).
    static func capstoneReadsPrefixesAsTwin(_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor, _ answer: DecodeAnswer,
                                            _ others: [String: DecodeAnswer], _ field: String) -> Bool {
        let p = PrefixScan(bytes, mode)
        guard !p.startsVexOrEvex, !p.startsXop, p.at(0) == 0x0F || p.at(0) == 0x90, p.capstoneMandatory != p.mandatory,
              let project = others["project"] else { return false }
        // Capstone's readings. With the 66 only where it does not change the instruction
        // (Capstone's "16-bit equivalent": 66 2e 0f af c0 is imul ax, ax); where Capstone's
        // answer is valid, only readings of its instruction.
        let twins = p.capstoneTwins.filter { $0 != bytes }
        guard twins.first == p.capstoneTwin(operandSize: false) else { return false }
        let base = projectAnswer(twins[0], mode, vendor)
        var readings: [(bytes: [UInt8], answer: DecodeAnswer)] = [(twins[0], base)]
        for t in twins.dropFirst() {
            let a = projectAnswer(t, mode, vendor)
            if t.first == 0x66 && !(a.valid && a.mnemonic == base.mnemonic) { continue }
            readings.append((t, a))
        }
        if answer.valid { readings = readings.filter { $0.answer.mnemonic == answer.mnemonic || !$0.answer.valid } }
        func shifted(_ a: DecodeAnswer, _ twin: [UInt8]) -> DecodeAnswer {
            var a = a
            a.length = a.length.map { $0 + bytes.count - twin.count }
            return a
        }
        switch field {
        case "valid":
            if answer.valid {
                guard others.rejected else { return false }
            } else {
                guard others.accepted else { return false }
            }
        case "length":
            guard others.agreedLength == project.length else { return false }
        default:
            guard peerSidesWithProject(others, field) else { return false }
        }
        for r in readings {
            let t = shifted(r.answer, r.bytes)
            switch field {
            case "valid": if t.valid == answer.valid && (!t.valid || (t.mnemonic == answer.mnemonic && t.length == answer.length)) { return true }
            case "length": if t.valid && t.length == answer.length { return true }
            default: if sameField(t, answer, field) { return true }
            }
        }
        // Capstone gives a twin the same answer, and the twin's own difference (in this field, or
        // the project rejecting it) is another registered bug.
        for t in twins {
            let twinAnswers = peerAnswers(t, mode, vendor)
            guard let c = twinAnswers["capstone"], let tp = twinAnswers["project"], compare(shifted(c, t), answer).isEmpty else { continue }
            let own = compare(tp, c).map(\.field)
            let asked = own.contains(field) ? field : own == ["valid"] ? "valid" : nil
            if let asked, lookup(oracle: "capstone", bytes: t, mode: mode, vendor: vendor, answers: twinAnswers, field: asked) != nil { return true }
        }
        return false
    }
}
