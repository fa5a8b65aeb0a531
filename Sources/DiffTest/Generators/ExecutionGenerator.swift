import X86Decoder

/// Structured execution cases: one instruction drawn from the opcode map's own forms
/// (`OpcodeSpace`) of the general-purpose maps, with a seeded initial machine state.
///
/// - Maps (weights): legacy 55, 0f 30, 0f38 5 (MOVBE, CRC32, ADCX/ADOX), vex2 10 (BMI1/BMI2).
/// - Operands: register-only (ModRM mod 11) or a memory window: ModRM mod 00/01/10 with a
///   base register (no SIB, or a SIB without index), whose value points into the data page,
///   so every memory operand lands inside it (displacement ±128, operand ≤ 16 bytes).
///   A 66 prefix on 15% of legacy forms without a mandatory prefix, REX.R/X/B on 30%,
///   random VEX vvvv, immediates random or boundary values.
/// - State: RIP 0x1000 (the code), a data page at 0x10000 and a stack page at 0x20000 of
///   random bytes (whole pages: Unicorn maps pages), RSP 0x20800 ± 256; each other GPR random,
///   small, a boundary value or a pointer into the data page (RSI/RDI: pointers more often,
///   RCX small for REP); RFLAGS 0x202 with random CF PF AF ZF SF OF and DF on 10%.
public struct ExecutionGenerator: Sendable {
    public let space: OpcodeSpace
    let legacy: [UInt8]

    public static let maps: [(map: OpcodeMap, weight: Int)] = [(.legacy, 55), (.map0F, 30), (.map0F38, 5), (.vex2, 10)]
    public static let codeAddress: UInt64 = 0x1000
    public static let dataPage: UInt64 = 0x10000
    public static let stackPage: UInt64 = 0x20000
    static let pageSize = 4096
    static let boundaries: [UInt64] = [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF,
    ]

    public init(mode: Mode, vendor: Vendor) {
        space = OpcodeSpace.shared(mode, vendor)
        legacy = Self.legacyOpcodes(space)
    }

    public func make(_ rng: inout SplitMix64) -> (bytes: [UInt8], state: CaseState) {
        var pick = rng.below(100)
        var map = OpcodeMap.legacy
        for (m, w) in Self.maps {
            if pick < w {
                map = m
                break
            }
            pick -= w
        }
        let defined = map == .legacy ? legacy : space.defined[Int(map.rawValue)]
        let opcode = defined[rng.below(defined.count)]
        let forms = space.forms[Int(map.rawValue)][Int(opcode)]
        let form = forms[rng.below(forms.count)]
        var e = Encoding(map: map, opcode: opcode)
        e.mandatory = form.prefix
        e.w = rng.chance(20) ? !form.w : form.w
        e.l = form.l
        if map == .vex2 { e.vvvv = rng.byte() & 0xF }
        if map != .vex2 && form.prefix == 0 && rng.chance(15) { e.legacyPrefixes = [0x66] }
        if map == .legacy && [0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF].contains(opcode) && rng.chance(50) {
            e.legacyPrefixes.append(rng.chance(50) ? 0xF3 : 0xF2)
        }
        let rexBits = rng.chance(30) ? rng.byte() & 7 : 0
        if map == .vex2 { e.inverted = ~rexBits & 7 } else if rexBits != 0 { e.rex = 0x40 | rexBits }
        var gpr = (0..<16).map { _ in Self.value(&rng) }
        gpr[4] = Self.stackPage + 0x800 &+ UInt64(rng.below(512)) &- 256
        if rng.chance(60) { gpr[6] = Self.pointer(&rng) }
        if rng.chance(60) { gpr[7] = Self.pointer(&rng) }
        if rng.chance(60) { gpr[1] = UInt64(rng.below(9)) }
        if form.hasModRM {
            let reg = UInt8(rng.below(8))
            var rm = UInt8(rng.below(8))
            if !form.memory && rng.chance(50) || form.memory && rng.chance(10) {
                e.modrm = 0xC0 | reg << 3 | rm
            } else {
                let mod = UInt8(rng.below(3))
                if rm == 4 {  // SIB: no index (100), base as drawn (not 101 with mod 00)
                    var sibBase = UInt8(rng.below(8))
                    if sibBase == 5 && mod == 0 { sibBase = 3 }
                    e.sib = UInt8(rng.below(4)) << 6 | 4 << 3 | sibBase
                    gpr[Int(sibBase) + ((rexBits & 1) != 0 ? 8 : 0)] = Self.pointer(&rng)
                    if (rexBits & 2) != 0 { gpr[12] = UInt64(rng.below(8)) }  // REX.X: index 100 is r12
                } else {
                    if rm == 5 && mod == 0 { rm = 3 }
                    gpr[Int(rm) + ((rexBits & 1) != 0 ? 8 : 0)] = Self.pointer(&rng)
                }
                e.modrm = mod << 6 | reg << 3 | rm
                if mod == 1 { e.displacement = [rng.byte()] }
                if mod == 2 { e.displacement = Self.littleEndian(UInt64(rng.below(256)) &- 128, size: 4) }
            }
        }
        if form.tail > 0 {
            let v = rng.chance(30) ? Self.boundaries[rng.below(Self.boundaries.count)] : rng.next()
            e.immediate = Self.littleEndian(v, size: Int(form.tail))
        }
        var registers: [String: String] = [:]
        for (n, name) in CPUStateNames.gpr.enumerated() { registers[name] = "0x" + String(gpr[n], radix: 16) }
        registers["rip"] = "0x" + String(Self.codeAddress, radix: 16)
        var flags: UInt64 = 0x202
        for bit: UInt64 in [0x1, 0x4, 0x10, 0x40, 0x80, 0x800] where rng.chance(50) { flags |= bit }
        if rng.chance(10) { flags |= 0x400 }
        registers["rflags"] = "0x" + String(flags, radix: 16)
        let data = (0..<Self.pageSize).map { _ in rng.byte() }
        let stack = (0..<Self.pageSize).map { _ in rng.byte() }
        let state = CaseState(registers: registers, memory: [
            .init(address: "0x" + String(Self.dataPage, radix: 16), bytes: Hex.string(data)),
            .init(address: "0x" + String(Self.stackPage, radix: 16), bytes: Hex.string(stack)),
        ])
        return (e.bytes(mode: space.mode), state)
    }

    /// The legacy map's opcodes without the prefix bytes (segment overrides, REX, 66/67, LOCK,
    /// REP), which the map lists as forms but which would make a case of two instructions.
    static func legacyOpcodes(_ space: OpcodeSpace) -> [UInt8] {
        let prefixes: Set<UInt8> = [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3]
        return space.defined[Int(OpcodeMap.legacy.rawValue)].filter { !prefixes.contains($0) && $0 & 0xF0 != 0x40 }
    }

    /// Random, small, boundary or a pointer into the data page.
    static func value(_ rng: inout SplitMix64) -> UInt64 {
        switch rng.below(5) {
        case 0, 1: rng.next()
        case 2: UInt64(rng.below(17))
        case 3: boundaries[rng.below(boundaries.count)]
        default: pointer(&rng)
        }
    }

    /// An address in the data page that leaves 256 bytes on either side.
    static func pointer(_ rng: inout SplitMix64) -> UInt64 { dataPage + 0x100 + UInt64(rng.below(pageSize - 0x200)) }

    static func littleEndian(_ v: UInt64, size: Int) -> InlineBytes {
        var out = InlineBytes()
        for k in 0..<size { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k % 8)))) }
        return out
    }
}

/// GPR names in encoding order, without depending on the emulator from the generators.
enum CPUStateNames {
    static let gpr = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
}
