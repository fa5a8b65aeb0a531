import Testing
@testable import X86Decoder

/// Properties that must hold for any bytes: checked on seeded random buffers.
@Suite struct PropertyTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func buffer() -> [UInt8] {
            // Bias toward prefixes and escapes so the rare paths are reached.
            let interesting: [UInt8] = [0x66, 0x67, 0xF2, 0xF3, 0xF0, 0x0F, 0x38, 0x3A, 0xC4, 0xC5, 0x62, 0x8F, 0x48, 0x40, 0x64]
            return (0..<15).map { _ in
                let r = next()
                return r & 3 == 0 ? interesting[Int(r >> 8) % interesting.count] : UInt8(truncatingIfNeeded: r >> 16)
            }
        }
    }

    @Test(arguments: Mode.allCases, Vendor.allCases)
    func lengthPathAgreesAndTruncationIsExact(mode: Mode, vendor: Vendor) {
        var rng = Rng(state: 42 &+ UInt64(mode.bits) &+ (vendor == .amd ? 1000 : 0))
        let decoder = X86Decoder(mode: mode, vendor: vendor)
        var failures = 0
        for _ in 0..<20_000 {
            let bytes = rng.buffer()
            let fast = decoder.length(of: bytes)
            let full = decoder.decode(bytes)
            let fullLength = full.instruction?.length
            if fast.length != fullLength {
                failures += 1
                Issue.record("\(hex(bytes)) mode \(mode.bits) \(vendor): length path \(String(describing: fast.length)), full \(String(describing: fullLength))")
            }
            guard let n = fullLength else { continue }
            #expect(n >= 1 && n <= 15)
            // The first n bytes alone decode the same; any shorter prefix is truncated.
            let again = decoder.decode(Array(bytes[0..<n]))
            #expect(again.instruction?.length == n, "\(hex(bytes)): re-decoding \(n) bytes gives \(String(describing: again))")
            #expect(again.instruction?.mnemonic == full.instruction?.mnemonic)
            for k in 0..<n {
                let r = decoder.length(of: Array(bytes[0..<k]))
                if r.invalidReason != .truncated {
                    Issue.record("\(hex(bytes)): \(k) of \(n) bytes gives \(String(describing: r.length ?? -1)) \(String(describing: r.invalidReason)) instead of truncated")
                    break
                }
            }
            if failures > 10 { break }
        }
    }

    @Test(arguments: Mode.allCases)
    func layoutTilesTheInstruction(mode: Mode) {
        var rng = Rng(state: 7 &+ UInt64(mode.bits))
        let decoder = X86Decoder(mode: mode)
        for _ in 0..<20_000 {
            let bytes = rng.buffer()
            guard case .valid(let i) = decoder.decode(bytes) else { continue }
            let l = i.layout
            var pos = Int(l.prefixCount)
            func take(_ offset: UInt8, _ size: UInt8, _ what: String) {
                guard size > 0 else { return }
                #expect(Int(offset) == pos, "\(hex(bytes)): \(what) at \(offset), expected \(pos)")
                pos = Int(offset) + Int(size)
            }
            take(l.rexOffset, l.rexSize, "rex")
            take(l.vexOffset, l.vexSize, "vex")
            take(l.opcodeOffset, l.opcodeSize, "opcode")
            take(l.modrmOffset, l.modrmSize, "modrm")
            take(l.sibOffset, l.sibSize, "sib")
            take(l.displacementOffset, l.displacementSize, "displacement")
            take(l.immediateOffset, l.immediateSize, "immediate")
            take(l.immediate2Offset, l.immediate2Size, "immediate2")
            #expect(pos == i.length, "\(hex(bytes)): segments end at \(pos), length \(i.length)")
        }
    }

    @Test func emptyBufferIsTruncated() {
        #expect(X86Decoder().length(of: []).invalidReason == .truncated)
        if case .invalid(let r) = X86Decoder().decode([]) { #expect(r == .truncated) } else { Issue.record("empty buffer decoded") }
    }

    /// `Probe.spanned`: the instruction's length when valid, and when a rule rejects it after
    /// its last byte; nil when decoding stopped before the end.
    @Test func spannedLength() {
        let d = X86Decoder()
        let cases: [([UInt8], InvalidReason?, Int?)] = [
            ([0x48, 0x01, 0xC8, 0x90], nil, 3),  // add rax, rcx
            ([0xF0, 0x01, 0xC0], .lockNotAllowed, 3),  // LOCK on a register form
            ([0x0F, 0x20, 0xC8], .reservedRegister, 3),  // mov rax, cr1
            ([0xF3, 0x0F, 0x7C, 0xC0], .badMandatoryPrefix, nil),  // the form's choice fails before its end
            ([0x0F, 0x04, 0x00], .unknownOpcode, nil),
            ([0x0F], .truncated, nil),
        ]
        for (bytes, reason, spanned) in cases {
            let p = d.probe(bytes)
            #expect(p.result.invalidReason == reason, "\(hex(bytes))")
            #expect(p.spanned == spanned, "\(hex(bytes)): spanned \(String(describing: p.spanned))")
        }
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let d = Array("0123456789abcdef")
    return String(bytes.flatMap { [d[Int($0 >> 4)], d[Int($0 & 15)]] })
}

/// The length shortcut (FastLengthTables) agrees with the full core on every shape it covers.
@Suite struct FastLengthTests {
    /// Records the first ten buffers where `length(of:)` (shortcut) and the core disagree.
    static func compare(_ decoder: X86Decoder, _ bytes: [UInt8], _ mismatches: inout Int) {
        let fast = decoder.length(of: bytes)
        let full = decoder.probe(bytes).result
        guard fast != full && mismatches < 10 else { return }
        mismatches += 1
        Issue.record("\(hex(bytes)) \(decoder.mode.bits) \(decoder.vendor): shortcut \(String(describing: fast.length)) \(String(describing: fast.invalidReason)), core \(String(describing: full.length)) \(String(describing: full.invalidReason))")
    }

    @Test(arguments: Mode.allCases, Vendor.allCases)
    func shortcutMatchesCore(mode: Mode, vendor: Vendor) {
        let decoder = X86Decoder(mode: mode, vendor: vendor)
        var leads: [[UInt8]] = mode == .bits64 ? [[], [0x41], [0x48], [0x4C], [0x0F], [0x48, 0x0F], [0x45, 0x0F]] : [[], [0x0F]]
        // Mandatory-looking prefixes, segment prefixes around them, and REX after them.
        leads += [[0x66], [0xF3, 0x0F], [0xF2, 0x0F], [0x66, 0x0F], [0x2E, 0x66, 0x0F], [0x64], [0x66, 0x2E], [0xF3]]
        if mode == .bits64 { leads += [[0x66, 0x48], [0xF3, 0x48, 0x0F], [0x66, 0x41, 0x0F], [0x65, 0x48]] }
        var mismatches = 0
        // Twice: the first pass fills the rows and pair tables as it meets them (answers come
        // from the core or the rows), the second answers from the filled tables.
        for _ in 0..<2 {
            for lead in leads {
                for opcode in 0..<256 {
                    for modrm in stride(from: 0, to: 256, by: 7) {
                        for sib in [0x00, 0x05, 0x25] {
                            var bytes = lead + [UInt8(opcode), UInt8(modrm), UInt8(sib)]
                            bytes += [UInt8](repeating: 0x11, count: 15 - bytes.count)
                            Self.compare(decoder, bytes, &mismatches)
                        }
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }

    /// The pair tables' formula classes: every preferred mask is one the 64-bit maps use after
    /// a REX or 0F (a mask no row has would hold a class for nothing), and rows whose mask
    /// has a class get a formula entry.
    @Test func preferredMasksAreUsed() {
        let t = FastLengthTables.shared(mode: .bits64, vendor: .intel)
        var used = Set<UInt16>()
        for (rex, map) in [(1, 0), (2, 0), (0, 1)] {
            for opcode in 0..<256 {
                let entries = FastLengthTables.compute((rex * 2 + map) * 256 + opcode, mode: .bits64, vendor: .intel)
                if let mask = FastLengthTables.pairFormula(entries, modrmLength: t.modrmLength)?.mask { used.insert(mask) }
            }
        }
        for mask in FastLengthTables.preferredMasks {
            #expect(used.contains(mask), "preferred mask \(String(mask, radix: 16)) is not used by any row")
        }
        // 48 8D (LEA: mod != 3 only) and 48 C7 (/0 only) are formulas once their rows are filled.
        let decoder = X86Decoder(mode: .bits64)
        for bytes: [UInt8] in [[0x48, 0x8D, 0x44, 0x24, 0x08], [0x48, 0xC7, 0x00, 1, 0, 0, 0]] {
            let padded = bytes + [UInt8](repeating: 0x90, count: 15 - bytes.count)
            _ = decoder.length(of: padded)
            let e = t.flat[Int(bytes[1]) << 8 | Int(bytes[0])].load(ordering: .acquiring)
            #expect(e >= 0x40, "48 \(String(bytes[1], radix: 16)) has pair entry \(e)")
            #expect(decoder.length(of: padded) == decoder.probe(padded).result)
        }
    }

    /// Two threads filling and reading the same tables at once (rows, pair entries, class
    /// masks are written under a lock while the other thread reads them) both get the core's
    /// answer for every buffer. Each thread walks its own buffers, mostly the same rows.
    @Test func concurrentFillsAgreeWithTheCore() async {
        let results = await withTaskGroup(of: Int.self) { group in
            for t in 0..<2 {
                group.addTask {
                    var rng = PropertyTests.Rng(state: 777 &+ UInt64(t))
                    let decoder = X86Decoder(mode: .bits32, vendor: .amd)
                    var mismatches = 0
                    for _ in 0..<30_000 {
                        let bytes = rng.buffer()
                        if decoder.length(of: bytes) != decoder.probe(bytes).result { mismatches += 1 }
                    }
                    return mismatches
                }
            }
            var total = 0
            for await m in group { total += m }
            return total
        }
        #expect(results == 0)
    }

    /// The shortcut reads the bytes after the prefixes as one word and tests both places a 0F
    /// escape can be before it knows whether a REX came first: a 0F right after a plain
    /// opcode, or after a REX's opcode, is an operand byte, never an escape.
    @Test(arguments: Mode.allCases, Vendor.allCases)
    func escapeCountsOnlyInItsPlace(mode: Mode, vendor: Vendor) {
        let decoder = X86Decoder(mode: mode, vendor: vendor)
        let leads: [[UInt8]] = mode == .bits64 ? [[], [0x66], [0xF3], [0x48], [0x41], [0x66, 0x4C]] : [[], [0x66], [0xF3]]
        var mismatches = 0
        for lead in leads {
            for opcode in 0..<256 {
                for tail: [UInt8] in [[0x0F, 0x0F, 0x05], [0x0F, 0x38, 0x00], [0x0F, 0x04, 0x25], [0x40, 0x0F, 0xC0]] {
                    var bytes = lead + [UInt8(opcode)] + tail
                    bytes += [UInt8](repeating: 0x22, count: 15 - bytes.count)
                    Self.compare(decoder, bytes, &mismatches)
                }
            }
        }
        #expect(mismatches == 0)
    }

    /// Random legacy-prefix chains (LOCK, 66, 67, F2/F3 in any order and number, segments),
    /// an optional REX, the one-byte or 0F map, random rest: the shortcut gives exactly the
    /// core's answer, length or invalid reason, including the 15-byte limit.
    @Test(arguments: Mode.allCases, Vendor.allCases)
    func shortcutMatchesCoreUnderPrefixChains(mode: Mode, vendor: Vendor) {
        var rng = PropertyTests.Rng(state: 99 &+ UInt64(mode.bits) &+ (vendor == .amd ? 7 : 0))
        let decoder = X86Decoder(mode: mode, vendor: vendor)
        let prefixes: [UInt8] = [0xF0, 0xF2, 0xF3, 0x66, 0x67, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65]
        var mismatches = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            let count = Int(rng.next() % 6)
            for _ in 0..<count { bytes.append(prefixes[Int(rng.next() % UInt64(prefixes.count))]) }
            if mode == .bits64 && rng.next() & 1 == 0 { bytes.append(0x40 | UInt8(rng.next() & 15)) }
            if rng.next() % 3 == 0 { bytes.append(0x0F) }
            while bytes.count < 15 {
                let r = rng.next()
                // SIB bytes with base 5 and large immediates/displacements are the edge cases.
                bytes.append(r & 7 == 0 ? 0x05 : r & 7 == 1 ? 0x84 : UInt8(truncatingIfNeeded: r >> 8))
            }
            Self.compare(decoder, bytes, &mismatches)
        }
        #expect(mismatches == 0)
    }
}
