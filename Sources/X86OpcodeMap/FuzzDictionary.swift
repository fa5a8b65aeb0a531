import X86Decoder

/// The libFuzzer dictionary of the decoder targets, derived from the opcode map and checked
/// against the decoder: the legacy prefixes (every byte the decoder consumes before an opcode),
/// and for every form of the map its escape (0F, 0F 38, 0F 3A, 0F 0F, VEX C4/C5, EVEX 62,
/// XOP 8F with the form's map, pp, W and L) and opcode. A token is kept only when the decoder,
/// given it, reaches that map and opcode; so a token the escape grammar here gets wrong is
/// dropped, not fed to the fuzzer. Lives here (not in FuzzTool, which SwiftPM does not build)
/// so that X86OpcodeMapTests can fail when Corpus/fuzz/x86.dict drifts from the map.
public enum FuzzDictionary {
    static let banner = """
        # libFuzzer dictionary for fuzz-decoder and fuzz-differential.
        # Generated from Sources/X86Decoder/OpcodeMap/*.opmap by `fuzz-tool dict`
        # (Sources/FuzzTool, run by Scripts/fuzz-build.sh, which fails when this file drifts); do not edit.

        """

    public static func render(lines: [MapLine]) -> String {
        var out = banner
        var seen = Set<[UInt8]>()
        func emit(_ name: String, _ bytes: [UInt8]) {
            guard seen.insert(bytes).inserted else { return }
            out += "\(name)=\"\(bytes.map { "\\x" + fuzzHexByte($0) }.joined())\"\n"
        }
        out += "# legacy prefixes and REX (bytes the decoder consumes before the opcode of 90)\n"
        for b in 0...255 where b != 0x90 {
            for mode in [Mode.bits64, .bits32] {
                let p = X86Decoder(mode: mode, vendor: .intel).probe([UInt8(b), 0x90])
                if p.opcodeKnown && p.map == .legacy && p.opcode == 0x90 { emit("prefix_\(fuzzHexByte(UInt8(b)))", [UInt8(b)]) }
            }
        }
        out += "# escapes and opcodes of the map's forms\n"
        for line in lines {
            for t in tokens(line) where verify(t.bytes, line, t.mode, hasOpcode: t.hasOpcode) { emit(t.name, t.bytes) }
        }
        return out
    }

    /// The tokens of one map line: its escape and opcode (with mandatory prefix, W and L as
    /// its selectors say), and the escape alone; each with the mode to check it in.
    static func tokens(_ line: MapLine) -> [(name: String, bytes: [UInt8], mode: Mode, hasOpcode: Bool)] {
        let s = line.selectors
        let mode: Mode = s[.mode] == 0 ? .bits32 : .bits64
        let pp = UInt8(s[.prefix] ?? 0), w = UInt8(s[.w] ?? 0), l = UInt8(s[.l] ?? 0)
        let name = "\(line.map.name)_\(fuzzHexByte(line.opcode))_p\(pp)w\(w)l\(l)"
        let mandatory: [UInt8] = [[], [0x66], [0xF3], [0xF2]][Int(pp)]
        let escape: [UInt8]
        switch line.map {
        case .legacy:
            escape = []
        case .map0F: escape = [0x0F]
        case .map0F38: escape = [0x0F, 0x38]
        case .map0F3A: escape = [0x0F, 0x3A]
        case .amd3DNow:
            escape = [0x0F, 0x0F, 0xC0]  // ModRM (register form) before the suffix opcode
        case .vex1, .vex2, .vex3:
            let m = line.map.rawValue - OpcodeMap.vex1.rawValue + 1
            escape = [0xC4, 0xE0 | m, w << 7 | 0x78 | (l & 1) << 2 | pp]
        case .evex1, .evex2, .evex3, .evex5, .evex6:
            let m: UInt8 = [1, 2, 3, 5, 6][Int(line.map.rawValue - OpcodeMap.evex1.rawValue)]
            escape = [0x62, 0xF0 | m, w << 7 | 0x7C | pp, (l & 3) << 5 | 0x08]
        case .xop8, .xop9, .xopA:
            let m = line.map.rawValue - OpcodeMap.xop8.rawValue + 8
            escape = [0x8F, 0xE0 | m, w << 7 | 0x78 | (l & 1) << 2 | pp]
        }
        var out: [(name: String, bytes: [UInt8], mode: Mode, hasOpcode: Bool)] = []
        switch line.map {
        case .legacy, .map0F, .map0F38, .map0F3A, .amd3DNow:
            var prefix = mandatory
            if w == 1 && mode == .bits64 { prefix.append(0x48) } else if w == 1 { return [] }
            let token = prefix + escape + [line.opcode]
            if token.count > 1 { out.append((name, token, mode, true)) }
        default:
            out.append((name, escape + [line.opcode], mode, true))
            out.append(("\(line.map.name)_p\(pp)w\(w)l\(l)", escape, mode, false))
        }
        return out
    }

    /// The decoder, given the token (and a register ModRM and zero bytes after it), reaches the
    /// line's map and opcode; for an escape alone, its map.
    static func verify(_ token: [UInt8], _ line: MapLine, _ mode: Mode, hasOpcode: Bool) -> Bool {
        let p = X86Decoder(mode: mode, vendor: .intel).probe(token + [0xC0, 0, 0, 0, 0, 0, 0, 0])
        return p.opcodeKnown && p.map == line.map && (!hasOpcode || p.opcode == line.opcode)
    }
}

func fuzzHexByte(_ b: UInt8) -> String {
    let d = Array("0123456789abcdef")
    return String([d[Int(b >> 4)], d[Int(b & 15)]])
}
