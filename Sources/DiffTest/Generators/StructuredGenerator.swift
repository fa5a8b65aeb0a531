import X86Decoder

/// `structured`: instructions assembled field by field from the opcode map's own forms
/// (`OpcodeSpace`), with every field the manuals make interesting varied on purpose.
///
/// Per case, in this order of draws from the case's stream:
/// 1. Map, by `mapWeights` (rare maps get a share far above their share of random bytes);
///    maps with no defined opcode in this mode are skipped.
/// 2. Opcode: 90 % a defined one (uniform), 10 % any byte. Form: 85 % one of the opcode's
///    valid forms, else prefix/W/L/ModRM class drawn at random.
/// 3. Legacy prefixes (legacy maps): none 30, one 20, duplicated 10, conflicting (F2+F3, two
///    segments, 66+67 twice) 10, all four groups 10, LOCK 10, random 1–4 10 (out of 100);
///    the form's mandatory prefix follows (85 %). VEX/EVEX/XOP maps: 10 % one legacy prefix
///    or REX in front (#UD by rule).
/// 4. REX (64-bit, legacy maps): 45 %, random R/X/B, W from the form; 5 % placed before the
///    legacy prefixes (ignored). VEX/EVEX/XOP fields: inverted R/X/B/R' random (64-bit, 40 %),
///    vvvv random (40 %), L and pp from the form (85 %), reserved values of the map select (5 %),
///    EVEX reserved P0 bit 3 set and P1 bit 2 clear (5 % each), z, b, V', aaa varied. VEX2 for
///    map 1 half the time.
/// 5. ModRM: mod from the form's class (85 %) or any; rm 4 (SIB) 30 %, rm 5 (mod 0: RIP or
///    disp32) 15 %; SIB index 4 (none) 25 %, base 5 (no base with mod 0; RBP/R13) 25 %;
///    16-bit addressing rules when the mode and 67 select it. Displacements and immediates:
///    zero 30 %, boundary values (7F, 80, FF…) 20 %, random otherwise; the immediate size is the
///    form's, varied by ±1–2 bytes 10 % of the time.
/// 6. Trailing bytes: none 40 %, else 1–4 random; 5 % of cases lose their last byte
///    (truncation). At most 15 bytes.
public struct StructuredGenerator: Sendable {
    public let space: OpcodeSpace
    let maps: [(map: OpcodeMap, weight: Int)]
    let totalWeight: Int

    /// Relative weight of each map. Documented in Corpus/README.md.
    public static let mapWeights: [OpcodeMap: Int] = [
        .legacy: 16, .map0F: 16, .map0F38: 8, .map0F3A: 8, .amd3DNow: 3,
        .vex1: 6, .vex2: 6, .vex3: 4,
        .evex1: 5, .evex2: 5, .evex3: 4, .evex5: 2, .evex6: 2,
        .xop8: 2, .xop9: 2, .xopA: 1,
    ]

    public init(mode: Mode, vendor: Vendor) {
        space = OpcodeSpace.shared(mode, vendor)
        var maps: [(OpcodeMap, Int)] = []
        for m in OpcodeMap.allCases where !space.defined[Int(m.rawValue)].isEmpty {
            maps.append((m, Self.mapWeights[m] ?? 1))
        }
        self.maps = maps
        totalWeight = maps.reduce(0) { $0 + $1.1 }
    }

    static let group1: [UInt8] = [0xF0, 0xF2, 0xF3]
    static let group2: [UInt8] = [0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65]
    static let allLegacy: [UInt8] = [0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0x66, 0x67]

    public func make(_ rng: inout SplitMix64) -> [UInt8] {
        let mode = space.mode
        // 1. map
        var pick = rng.below(totalWeight)
        var map = maps[maps.count - 1].map
        for (m, w) in maps {
            if pick < w {
                map = m
                break
            }
            pick -= w
        }
        let cls = EncodingClass(map)
        // 2. opcode and form
        let defined = space.defined[Int(map.rawValue)]
        let opcode = rng.chance(90) ? defined[rng.below(defined.count)] : rng.byte()
        let forms = space.forms[Int(map.rawValue)][Int(opcode)]
        var form: OpcodeSpace.Form
        if !forms.isEmpty && rng.chance(85) {
            form = forms[rng.below(forms.count)]
        } else {
            form = OpcodeSpace.Form(
                prefix: UInt8(rng.below(4)), w: rng.chance(50), l: UInt8(rng.below(cls == .evex ? 4 : 2)),
                memory: rng.chance(50), hasModRM: forms.first?.hasModRM ?? rng.chance(60), tail: UInt8(rng.below(5)))
        }
        var e = Encoding(map: map, opcode: opcode)
        e.w = form.w
        e.l = form.l
        // 3. legacy prefixes, 4. REX / VEX fields
        if cls == .legacy || cls == .threeDNow {
            e.legacyPrefixes = legacyPrefixes(&rng)
            e.mandatory = rng.chance(85) ? form.prefix : UInt8(rng.below(4))
            if mode.is64 && rng.chance(45) {
                e.rex = 0x40 | UInt8(rng.below(8))
                e.rexFirst = rng.chance(5)
            }
        } else {
            if rng.chance(10) {
                e.legacyPrefixes = [mode.is64 && rng.chance(30) ? 0x40 | UInt8(rng.below(16)) : rng.pick(Self.allLegacy)]
            }
            e.mandatory = rng.chance(85) ? form.prefix : UInt8(rng.below(4))
            if !rng.chance(85) { e.l = UInt8(rng.below(cls == .evex ? 4 : 2)) }
            if mode.is64 && rng.chance(40) { e.inverted = UInt8(rng.below(16)) }
            if !mode.is64 && rng.chance(5) { e.inverted = UInt8(rng.below(16)) }
            if rng.chance(40) { e.vvvv = UInt8(rng.below(16)) }
            if rng.chance(5) { e.mapSelect = UInt8(rng.below(32)) }
            e.useVex2 = rng.chance(50)
            if cls == .evex {
                e.evexReservedP0 = rng.chance(5)
                e.evexClearP1Bit2 = rng.chance(5)
                e.evexZ = rng.chance(10)
                e.evexB = rng.chance(15)
                e.evexVPrime = rng.chance(80) ? 1 : 0
                e.evexMask = rng.chance(30) ? UInt8(rng.below(8)) : 0
            }
        }
        // 5. ModRM, SIB, displacement, immediate
        if form.hasModRM || rng.chance(5) {
            let has67 = e.legacyPrefixes.contains(0x67)
            let sixteenBit = (mode == .bits16) != has67 && mode != .bits64
            let mod: UInt8 = rng.chance(85) ? (form.memory ? UInt8(rng.below(3)) : 3) : UInt8(rng.below(4))
            var rm = UInt8(rng.below(8))
            if mod != 3 {
                if rng.chance(30) { rm = 4 } else if rng.chance(15) { rm = 5 }
            }
            e.modrm = mod << 6 | UInt8(rng.below(8)) << 3 | rm
            var dispSize = 0
            if mod == 1 { dispSize = 1 }
            if mod == 2 { dispSize = sixteenBit ? 2 : 4 }
            if sixteenBit {
                if mod == 0 && rm == 6 { dispSize = 2 }
            } else if mod != 3 {
                if rm == 4 {
                    let index: UInt8 = rng.chance(25) ? 4 : UInt8(rng.below(8))
                    let base: UInt8 = rng.chance(25) ? 5 : UInt8(rng.below(8))
                    e.sib = UInt8(rng.below(4)) << 6 | index << 3 | base
                    if mod == 0 && base == 5 { dispSize = 4 }
                } else if mod == 0 && rm == 5 {
                    dispSize = 4
                }
            }
            e.displacement = value(&rng, size: dispSize)
        }
        var immediate = Int(form.tail) - (cls == .threeDNow ? 1 : 0)
        if rng.chance(10) { immediate += rng.pick([-2, -1, 1, 2]) }
        e.immediate = value(&rng, size: max(0, min(8, immediate)))
        // 6. trailing bytes, truncation, 15-byte cap
        var out = e.bytes(mode: mode)
        if !rng.chance(40) { rng.appendBytes(1 + rng.below(4), to: &out) }
        if out.count > 1 && rng.chance(5) { out.removeLast() }
        if out.count > 15 { out.removeLast(out.count - 15) }
        return out
    }

    func legacyPrefixes(_ rng: inout SplitMix64) -> InlineBytes {
        let roll = rng.below(100)
        switch roll {
        case 0..<30:
            return []
        case 30..<50:
            return [rng.pick(Self.allLegacy)]
        case 50..<60:
            let p = rng.pick(Self.allLegacy)
            return InlineBytes(repeating: p, count: 2 + rng.below(3))
        case 60..<70:
            switch rng.below(3) {
            case 0: return rng.chance(50) ? [0xF2, 0xF3] : [0xF3, 0xF2]
            case 1: return [rng.pick(Self.group2), rng.pick(Self.group2)]
            default: return [0x66, 0x67, 0x66, 0x67]
            }
        case 70..<80:
            var groups: InlineBytes = [rng.pick(Self.group1), rng.pick(Self.group2), 0x66, 0x67]
            for i in stride(from: groups.count - 1, to: 0, by: -1) { groups.swapAt(i, rng.below(i + 1)) }
            return groups
        case 80..<90:
            return [0xF0]
        default:
            var out = InlineBytes()
            for _ in 0..<(1 + rng.below(4)) { out.append(rng.pick(Self.allLegacy)) }
            return out
        }
    }

    /// A little-endian value of `size` bytes: zero 30 %, a boundary value 20 %, else random.
    func value(_ rng: inout SplitMix64, size: Int) -> InlineBytes {
        guard size > 0 else { return [] }
        let roll = rng.below(100)
        if roll < 30 { return InlineBytes(repeating: 0, count: size) }
        if roll < 50 {
            var v = InlineBytes(repeating: rng.chance(50) ? 0xFF : 0, count: size)
            if rng.chance(50) { v[size - 1] = v[size - 1] == 0 ? 0x80 : 0x7F }
            return v
        }
        var v = InlineBytes()
        v.appendRandom(size, &rng)
        return v
    }
}
