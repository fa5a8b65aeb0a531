import Foundation
import X86Decoder

/// Which opcodes of which maps exist, and in which forms, read out of the project's opcode map
/// through its decoder: for every map, opcode byte and encoding variant (mandatory prefix or
/// VEX/EVEX pp, W, vector length, register or memory ModRM) one canonical encoding is decoded,
/// and the valid ones are kept with their ModRM presence and immediate size. The decode tables
/// are generated from Sources/X86Decoder/OpcodeMap, so this is the map's own data; the structured
/// generator draws from it so every map and opcode the map defines is reached.
///
/// Built once per (mode, vendor) and shared (about 130 k length decodes, a few ms in release).
public final class OpcodeSpace: @unchecked Sendable {  // immutable after init
    /// One valid encoding variant of an opcode.
    public struct Form: Sendable, Hashable {
        /// 0 none, 1 66, 2 F3, 3 F2 (legacy mandatory prefix or VEX/EVEX/XOP pp).
        public var prefix: UInt8
        public var w: Bool
        /// Vector length: 0 (128), 1 (256), 2 (512, EVEX).
        public var l: UInt8
        /// The canonical encoding used a memory ModRM (mod 00) rather than a register one (11).
        public var memory: Bool
        public var hasModRM: Bool
        /// Bytes after the ModRM/SIB/displacement (immediates, moffs, a 3DNow! suffix).
        public var tail: UInt8
    }

    public let mode: Mode
    public let vendor: Vendor
    /// Forms by map (`OpcodeMap.rawValue`) then opcode byte.
    public let forms: [[[Form]]]
    /// Opcode bytes with at least one form, by map.
    public let defined: [[UInt8]]

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [Int: OpcodeSpace] = [:]

    /// The shared space for a mode and vendor (built on first use, thread-safe).
    public static func shared(_ mode: Mode, _ vendor: Vendor) -> OpcodeSpace {
        let key = mode.bits * 2 + (vendor == .amd ? 1 : 0)
        lock.lock()
        defer { lock.unlock() }
        if let s = cache[key] { return s }
        let s = OpcodeSpace(mode: mode, vendor: vendor)
        cache[key] = s
        return s
    }

    init(mode: Mode, vendor: Vendor) {
        self.mode = mode
        self.vendor = vendor
        let decoder = X86Decoder(mode: mode, vendor: vendor)
        var forms: [[[Form]]] = []
        var defined: [[UInt8]] = []
        for map in OpcodeMap.allCases {
            var byOpcode: [[Form]] = []
            var present: [UInt8] = []
            for op in 0...255 {
                var found: [Form] = []
                for variant in Self.variants(map, mode) {
                    let bytes = Self.canonical(map: map, opcode: UInt8(op), form: variant, mode: mode)
                    guard decoder.length(of: bytes).isValid, case .valid(let i) = decoder.decode(bytes) else { continue }
                    let l = i.layout
                    var f = variant
                    f.hasModRM = l.modrmSize > 0
                    let head = f.hasModRM
                        ? Int(l.modrmOffset) + Int(l.modrmSize) + Int(l.sibSize) + Int(l.displacementSize)
                        : Int(l.opcodeOffset) + Int(l.opcodeSize)
                    f.tail = UInt8(max(0, i.length - head))
                    found.append(f)
                }
                byOpcode.append(found)
                if !found.isEmpty { present.append(UInt8(op)) }
            }
            forms.append(byOpcode)
            defined.append(present)
        }
        self.forms = forms
        self.defined = defined
    }

    /// The variants tried for a map: prefix × W × L × register/memory ModRM.
    static func variants(_ map: OpcodeMap, _ mode: Mode) -> [Form] {
        let cls = EncodingClass(map)
        let prefixes: [UInt8] = cls == .threeDNow ? [0] : [0, 1, 2, 3]
        let ws: [Bool] = cls == .legacy && !mode.is64 || cls == .threeDNow ? [false] : [false, true]
        let ls: [UInt8] = cls == .evex ? [0, 1, 2] : cls == .vex || cls == .xop ? [0, 1] : [0]
        var out: [Form] = []
        for p in prefixes {
            for w in ws {
                for l in ls {
                    for m in [false, true] {
                        out.append(Form(prefix: p, w: w, l: l, memory: m, hasModRM: false, tail: 0))
                    }
                }
            }
        }
        return out
    }

    /// One canonical encoding: the variant's prefix/escape, the opcode, ModRM 0xC0 or 0x00 (no
    /// SIB, no displacement), then zero bytes for any immediate.
    static func canonical(map: OpcodeMap, opcode: UInt8, form f: Form, mode: Mode) -> [UInt8] {
        var e = Encoding(map: map, opcode: opcode)
        e.mandatory = f.prefix
        e.w = f.w
        e.l = f.l
        e.modrm = f.memory ? 0x00 : 0xC0
        return e.bytes(mode: mode) + [UInt8](repeating: 0, count: 9)
    }
}

/// The four ways an opcode map is reached.
enum EncodingClass {
    case legacy, threeDNow, vex, evex, xop

    init(_ map: OpcodeMap) {
        switch map {
        case .legacy, .map0F, .map0F38, .map0F3A: self = .legacy
        case .amd3DNow: self = .threeDNow
        case .vex1, .vex2, .vex3: self = .vex
        case .evex1, .evex2, .evex3, .evex5, .evex6: self = .evex
        case .xop8, .xop9, .xopA: self = .xop
        }
    }
}

/// One instruction's encoding fields, serialized in architectural order: legacy prefixes,
/// mandatory prefix, REX, escape (0F / 0F 38 / 0F 3A / VEX / EVEX / XOP), opcode, ModRM, SIB,
/// displacement, immediate (3DNow!: the suffix opcode after the displacement). Inverted
/// VEX/EVEX fields (R̄, X̄, B̄, R̄', vvvv̄, V̄') are stored as they appear in the bytes.
struct Encoding {
    var map: OpcodeMap
    var opcode: UInt8
    var legacyPrefixes = InlineBytes()
    /// 0 none, 1 66, 2 F3, 3 F2: for legacy maps a prefix byte, for VEX/EVEX/XOP the pp field.
    var mandatory: UInt8 = 0
    /// REX byte (legacy maps in 64-bit mode), 0 for none; `rexFirst` puts it before the
    /// legacy prefixes (where it is ignored).
    var rex: UInt8 = 0
    var rexFirst = false
    var w = false
    var l: UInt8 = 0
    /// VEX/XOP: R̄X̄B̄ (bits 2-0); EVEX: R̄X̄B̄R̄' (bits 3-0). All ones: no extension.
    var inverted: UInt8 = 0xF
    var vvvv: UInt8 = 0xF
    var useVex2 = false
    /// Map-select value override (reserved values), else the map's own.
    var mapSelect: UInt8?
    /// EVEX P2 extras and reserved bits.
    var evexZ = false
    var evexB = false
    var evexVPrime: UInt8 = 1
    var evexMask: UInt8 = 0
    var evexReservedP0 = false
    var evexClearP1Bit2 = false
    var modrm: UInt8?
    var sib: UInt8?
    var displacement = InlineBytes()
    var immediate = InlineBytes()

    static let mandatoryBytes: [UInt8] = [0, 0x66, 0xF3, 0xF2]

    func bytes(mode: Mode) -> [UInt8] {
        // Byte by byte (array literals here cost an allocation each).
        var out: [UInt8] = []
        out.reserveCapacity(16)
        if rexFirst && rex != 0 { out.append(rex) }
        legacyPrefixes.append(to: &out)
        let cls = EncodingClass(map)
        if cls == .legacy || cls == .threeDNow {
            if mandatory != 0 { out.append(Self.mandatoryBytes[Int(mandatory & 3)]) }
            var r = rex
            if mode.is64 && w { r |= 0x48 }
            if r != 0 && !rexFirst { out.append(r) }
        }
        let pp = mandatory & 3
        switch map {
        case .legacy: out.append(opcode)
        case .map0F: out.append(0x0F); out.append(opcode)
        case .map0F38: out.append(0x0F); out.append(0x38); out.append(opcode)
        case .map0F3A: out.append(0x0F); out.append(0x3A); out.append(opcode)
        case .amd3DNow: out.append(0x0F); out.append(0x0F)
        case .vex1, .vex2, .vex3:
            let m = mapSelect ?? (map == .vex1 ? 1 : map == .vex2 ? 2 : 3)
            if useVex2 && map == .vex1 && !w && mapSelect == nil {
                out.append(0xC5); out.append((inverted & 4) << 5 | (vvvv & 0xF) << 3 | (l & 1) << 2 | pp); out.append(opcode)
            } else {
                out.append(0xC4); out.append((inverted & 7) << 5 | (m & 0x1F)); out.append((w ? 0x80 : 0) | (vvvv & 0xF) << 3 | (l & 1) << 2 | pp); out.append(opcode)
            }
        case .evex1, .evex2, .evex3, .evex5, .evex6:
            let own: UInt8 = switch map {
            case .evex1: 1
            case .evex2: 2
            case .evex3: 3
            case .evex5: 5
            default: 6
            }
            let m = mapSelect ?? own
            let p0 = (inverted & 0xF) << 4 | (evexReservedP0 ? 8 : 0) | (m & 7)
            let p1 = (w ? 0x80 : 0) | (vvvv & 0xF) << 3 | (evexClearP1Bit2 ? 0 : 4) | pp
            let p2 = (evexZ ? 0x80 : 0) | (l & 3) << 5 | (evexB ? 0x10 : 0) | (evexVPrime & 1) << 3 | (evexMask & 7)
            out.append(0x62); out.append(p0); out.append(p1); out.append(p2); out.append(opcode)
        case .xop8, .xop9, .xopA:
            let m = mapSelect ?? (map == .xop8 ? 8 : map == .xop9 ? 9 : 10)
            out.append(0x8F); out.append((inverted & 7) << 5 | (m & 0x1F)); out.append((w ? 0x80 : 0) | (vvvv & 0xF) << 3 | (l & 1) << 2 | pp); out.append(opcode)
        }
        if let modrm { out.append(modrm) }
        if let sib { out.append(sib) }
        displacement.append(to: &out)
        if map == .amd3DNow { out.append(opcode) }
        immediate.append(to: &out)
        return out
    }
}

/// Up to 16 bytes stored inline: an encoding's legacy prefixes, displacement and immediate, so
/// a generated case allocates only its final byte array.
struct InlineBytes: RandomAccessCollection, MutableCollection, ExpressibleByArrayLiteral, Equatable, Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    private(set) var count = 0

    init() {}

    init(arrayLiteral elements: UInt8...) {
        for b in elements { append(b) }
    }

    init(repeating b: UInt8, count: Int) {
        for _ in 0..<count { append(b) }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(k: Int) -> UInt8 {
        get {
            precondition(k >= 0 && k < count, "index out of range")
            return UInt8(truncatingIfNeeded: k < 8 ? low >> (8 * k) : high >> (8 * (k - 8)))
        }
        set {
            precondition(k >= 0 && k < count, "index out of range")
            if k < 8 {
                low = low & ~(0xFF << UInt64(8 * k)) | UInt64(newValue) << UInt64(8 * k)
            } else {
                high = high & ~(0xFF << UInt64(8 * (k - 8))) | UInt64(newValue) << UInt64(8 * (k - 8))
            }
        }
    }

    mutating func append(_ b: UInt8) {
        precondition(count < 16, "more than 16 bytes")
        count += 1
        self[count - 1] = b
    }

    /// `out.append(contentsOf: self)` without the generic sequence copy (a visible part of
    /// making a structured case).
    @inline(__always)
    func append(to out: inout [UInt8]) {
        var k = 0
        var w = low
        while k < count {
            if k == 8 { w = high }
            out.append(UInt8(truncatingIfNeeded: w))
            w >>= 8
            k += 1
        }
    }

    /// `append(contentsOf: rng.bytes(n))`: the same draws (SplitMix64.bytes), the same bytes.
    mutating func appendRandom(_ n: Int, _ rng: inout SplitMix64) {
        var i = 0
        while i + 8 <= n {
            var v = rng.next()
            for _ in 0..<8 {
                append(UInt8(truncatingIfNeeded: v))
                v >>= 8
            }
            i += 8
        }
        var last = rng.next()
        while i < n {
            append(UInt8(truncatingIfNeeded: last))
            last >>= 8
            i += 1
        }
    }

    static func == (a: InlineBytes, b: InlineBytes) -> Bool { a.elementsEqual(b) }
}
