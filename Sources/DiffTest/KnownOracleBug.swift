import X86Decoder

/// A disagreement that is a known bug of one oracle, recorded with its evidence: what the oracle
/// says for one example, what is true, and who agrees with the truth. The matcher recognizes
/// exactly this bug (its bytes, mode, vendor, field, and what the other oracles say), so a
/// finding it explains can be marked "known" without hiding anything else.
/// The registry is KnownOracleBugs.swift (+Capstone, +Zydis).
public struct KnownOracleBug: Sendable, CustomStringConvertible {
    /// Bytes, mode and vendor of one case.
    public struct Case: Sendable, CustomStringConvertible {
        public var hex: String
        public var mode: Mode
        public var vendor: Vendor

        public init(_ hex: String, _ mode: Mode, _ vendor: Vendor = .intel) {
            self.hex = hex
            self.mode = mode
            self.vendor = vendor
        }

        public var description: String { "\(hex) [\(mode.bits)-bit \(vendor.rawValue)]" }
    }

    /// What the oracle answers for the example (normalized), as measured; checked by the tests.
    public struct Observation: Sendable {
        public var valid: Bool
        public var length: Int?
        public var mnemonic: String?

        public init(valid: Bool, length: Int? = nil, mnemonic: String? = nil) {
            self.valid = valid
            self.length = length
            self.mnemonic = mnemonic
        }
    }

    /// (bytes, mode, vendor, this oracle's answer, the other oracles' answers by name, field)
    /// -> true when this bug explains the difference in `field` (a FieldDifference name).
    public typealias Matcher = @Sendable (_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor, _ answer: DecodeAnswer,
                                          _ others: [String: DecodeAnswer], _ field: String,
                                          _ scan: PrefixScan) -> Bool

    /// Stable id: `<oracle>-<what>` (`capstone-lock-nonlockable`).
    public var id: String
    /// The oracle with the bug (`capstone`, `zydis`).
    public var oracle: String
    public var summary: String
    public var example: Case
    public var observed: Observation
    /// What the oracle says, in its own words (raw library output), and what is true.
    public var oracleSays: String
    public var truth: String
    /// Who agrees with the truth, with the measured facts (CPU: "Zen 3" is AMD family 25 model 1,
    /// "Zen 4" family 25 model 17, both under KVM; "executes" means the native length probe saw
    /// the whole instruction fetched and run, "#UD" means SIGILL).
    public var evidence: String
    /// The FieldDifference field (operand number replaced by N) the bug shows up in.
    public var field: String
    /// A nearby case the oracle gets right; the matcher must not match it.
    public var control: Case
    public var matches: Matcher

    public var description: String { "\(id) (\(oracle)): \(summary)" }
}

/// The instruction's prefixes and opcode position as the CPU reads them, for matchers.
public struct PrefixScan: Sendable {
    let bytes: [UInt8]
    let mode: Mode
    /// Legacy prefixes in order (F0 F2 F3 2E 36 3E 26 64 65 66 67).
    var legacy = InlineBytes()  // inline: matchers make a scan per call
    /// The REX byte immediately before the opcode (64-bit mode), else 0.
    var rex: UInt8 = 0
    /// Index of the first opcode byte (or of the VEX/EVEX/XOP escape).
    var opcode = 0

    static let legacyPrefixes: Set<UInt8> = [0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0x66, 0x67]

    /// `legacyPrefixes.contains(b)` without hashing (matchers build a scan per lookup).
    @inline(__always)
    static func isLegacyPrefix(_ b: UInt8) -> Bool {
        switch b {
        case 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0x66, 0x67: true
        default: false
        }
    }

    init(_ bytes: [UInt8], _ mode: Mode) {
        self.bytes = bytes
        self.mode = mode
        var k = 0
        while k < bytes.count && k < 15 {
            let b = bytes[k]
            if Self.isLegacyPrefix(b) {
                legacy.append(b)
                rex = 0  // a REX followed by another prefix is ignored
            } else if mode == .bits64 && b & 0xF0 == 0x40 {
                rex = b
            } else {
                break
            }
            k += 1
        }
        opcode = k
    }

    /// The byte `k` places after the start of the opcode, if present.
    func at(_ k: Int) -> UInt8? { opcode + k < bytes.count ? bytes[opcode + k] : nil }
    func has(_ prefix: UInt8) -> Bool { legacy.contains(prefix) }
    var rexW: Bool { rex & 0x08 != 0 }
    var rexR: Bool { rex & 0x04 != 0 }
    /// The mandatory-prefix candidate: the last of F2/F3.
    var lastRep: UInt8? { legacy.last { $0 == 0xF2 || $0 == 0xF3 } }
    var lastSegment: UInt8? { legacy.last { [0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65].contains($0) } }

    /// ModRM fields of the byte `k` places after the opcode start.
    func modrm(at k: Int) -> (mod: UInt8, reg: UInt8, rm: UInt8)? {
        at(k).map { ($0 >> 6, ($0 >> 3) & 7, $0 & 7) }
    }

    /// True when the byte at the opcode position starts a VEX (C4/C5) or EVEX (62) prefix in
    /// this mode (outside 64-bit mode only when the next byte has its top two bits set).
    var startsVexOrEvex: Bool {
        guard let b = at(0), b == 0xC4 || b == 0xC5 || b == 0x62 else { return false }
        return bytes.count > opcode + 1 && (mode == .bits64 || bytes[opcode + 1] >= 0xC0)
    }

    /// True when the opcode position starts an XOP prefix: 8F whose map-select field (the low
    /// five bits of the next byte) is 8 or more (below 8 it is POP r/m, ModRM.reg 0).
    var startsXop: Bool { at(0) == 0x8F && at(1).map { $0 & 0x1F >= 8 } == true }

    /// The three payload bytes P0 P1 P2 of an EVEX prefix at the opcode position, if it is one.
    var evex: (p0: UInt8, p1: UInt8, p2: UInt8)? {
        guard at(0) == 0x62, startsVexOrEvex, let p0 = at(1), let p1 = at(2), let p2 = at(3) else { return nil }
        return (p0, p1, p2)
    }

    /// VEX.W / XOP.W of a three-byte VEX (C4) or XOP (8F) prefix at the opcode position.
    var vex3W: Bool? {
        guard (at(0) == 0xC4 && startsVexOrEvex) || startsXop, let b = at(2) else { return nil }
        return b & 0x80 != 0
    }

    /// The opcode byte after a VEX/EVEX/XOP prefix and its ModRM's position (relative to the
    /// opcode start), if the bytes start with one.
    var vectorOpcode: (opcode: UInt8, modrm: Int)? {
        let size: Int
        switch at(0) {
        case 0xC5 where startsVexOrEvex: size = 2
        case 0xC4 where startsVexOrEvex: size = 3
        case 0x62 where startsVexOrEvex: size = 4
        case 0x8F where startsXop: size = 3
        default: return nil
        }
        return at(size).map { ($0, size + 1) }
    }

    /// The effective address size in bits (mode and 67).
    var addressSize: Int {
        switch mode {
        case .bits64: has(0x67) ? 32 : 64
        case .bits32: has(0x67) ? 16 : 32
        case .bits16: has(0x67) ? 32 : 16
        }
    }

    /// Bytes taken by the ModRM `k` places after the opcode start, its SIB and displacement
    /// (`0f b9 7d 4b`: ModRM 7d has a disp8, 2 bytes; 16-bit `0f ff 36 ee e4`: disp16, 3 bytes);
    /// nil when the ModRM or SIB byte is missing.
    func modrmBytes(at k: Int) -> Int? {
        guard let m = modrm(at: k) else { return nil }
        if m.mod == 3 { return 1 }
        if addressSize == 16 {
            switch m.mod { case 1: return 2; case 2: return 3; default: return m.rm == 6 ? 3 : 1 }
        }
        var n = 1
        if m.rm == 4 {
            guard let sib = at(k + 1) else { return nil }
            n += 1
            if m.mod == 0 && sib & 7 == 5 { n += 4 }
        } else if m.mod == 0 && m.rm == 5 {
            n += 4
        }
        return n + (m.mod == 1 ? 1 : m.mod == 2 ? 4 : 0)
    }
}

/// Helpers for matchers: what the other oracles say.
extension [String: DecodeAnswer] {
    /// Some other oracle rejects the bytes for one of these reasons (Zydis' status names or the
    /// project's InvalidReason names).
    func rejected(for reasons: Set<String>) -> Bool {
        values.contains { !$0.valid && $0.reason.map(reasons.contains) == true }
    }

    /// `rejected(for:)` for a literal list (matchers pass two or three names: an array is
    /// searched without hashing).
    func rejected(for reasons: [String]) -> Bool {
        values.contains { !$0.valid && $0.reason.map(reasons.contains) == true }
    }

    /// Some other oracle decodes the bytes, and none rejects them.
    var accepted: Bool { values.contains(where: \.valid) && values.allSatisfy(\.valid) }

    /// The length the other oracles that decode the bytes agree on, if they agree.
    var agreedLength: Int? {
        let lengths = Set(values.filter(\.valid).compactMap(\.length))
        return lengths.count == 1 ? lengths.first : nil
    }

    /// Every other oracle rejects the bytes.
    var rejected: Bool { !isEmpty && !values.contains(where: \.valid) }

    /// Every other oracle decodes the bytes as the same instruction (valid, same length and
    /// mnemonic), and at least one does: the shape of "this oracle does not know the form".
    var agreeOnOneInstruction: (length: Int, mnemonic: String)? {
        guard let first = values.first, first.valid, let length = first.length, let mnemonic = first.mnemonic else { return nil }
        return values.allSatisfy { $0.valid && $0.length == length && $0.mnemonic == mnemonic } ? (length, mnemonic) : nil
    }
}

/// The project decoder's answer for other bytes (a matcher's "twin" case: the same instruction
/// with one field changed), in the shared model.
func projectAnswer(_ bytes: [UInt8], _ mode: Mode, _ vendor: Vendor) -> DecodeAnswer {
    ProjectOracle().decode(bytes, mode: mode, vendor: vendor, address: 0)
}
