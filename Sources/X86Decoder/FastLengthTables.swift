import Synchronization

/// A shortcut for the length path, derived from the decode tree (never written by hand).
///
/// For the one-byte and 0F maps, under a "prefix state" — none, F3 or F2 (the last of them
/// wins); 66 or not; no REX, REX without W, or REX.W — one byte per
/// (opcode, next byte) holds the answer, or 0 for "take the full path" (escapes, prefixes in
/// opcode position, VEX/EVEX/XOP, anything whose answer depends on more):
///
///   valid:    bits 0-3 the length from the opcode byte on (opcode, ModRM, SIB, displacement,
///             immediates); bit 7: add 4 when the SIB byte's base is 5 (mod = 0: a disp32, no
///             base)
///   invalid:  bit 6 set, bits 0-4 the `InvalidReason`
///
/// Segment prefixes change neither length nor validity and are skipped; LOCK and 67 (rare
/// outside random bytes) take the full path, which keeps the rows few. Each row (one prefix
/// state, map and opcode) is computed the first time it is needed by running the full decoder
/// on every next byte, under every REX.R/X/B and with several SIB/tail patterns, and kept only
/// where they all give the same answer: the shortcut agrees with the tree by construction.
/// Equal rows are stored once (a few hundred distinct rows cover everything), so the working
/// set stays in the first-level cache; `FastLengthTests` checks shortcut == core.
///
/// Most rows need no row at all: every next byte gives the same valid answer (no ModRM, or
/// one whose bytes do not matter), or the answer is a constant plus what the ModRM byte
/// brings in the mode's addressing (SIB, displacement: `modrmLength`). Such a row's index
/// word carries that summary (bits 24-31), and the lookup skips the row's load.
final class FastLengthTables: @unchecked Sendable {
    /// Prefix states: bit 0 66, bits 1-2 rep (0 none, 1 F3, 2 F2).
    static let prefixStates = 6
    /// Rows: ((state * 3 + rex) * 2 + map) * 256 + opcode; rex 0 none, 1 REX without W,
    /// 2 REX.W (64-bit mode only).
    static let rowCount = prefixStates * 3 * 2 * 256
    /// Distinct rows kept at most; a row beyond that takes the full path.
    static let uniqueCapacity = 4096
    /// Per row: 0 not computed yet, else in bits 0-23 the offset of its distinct row in `rows`
    /// (its index times 256; index 1: all "full path"; stored shifted so the lookup needs no
    /// shift), and in bits 24-31 the row's summary: 0 none; else bit 7 set, bits 0-3 a
    /// length c from the opcode byte on, bit 4 "add modrmLength[next byte]" (its bits 0-3,
    /// and its bit 7 is the entries' bit 7).
    let rowIndex: UnsafeMutablePointer<Atomic<UInt32>>
    /// Per ModRM byte, the bytes it brings in this mode's default addressing (no 67 on the
    /// shortcut): 1 + SIB + displacement, bit 7 when mod = 0 and a SIB follows (base 5 adds
    /// a disp32). 16-bit addressing in 16-bit mode, else 32/64-bit.
    let modrmLength: UnsafeMutablePointer<UInt8>
    /// Distinct rows, 256 entries each; row 0 unused, row 1 all zero.
    let rows: UnsafeMutablePointer<UInt8>
    let mode: Mode
    let vendor: Vendor
    private let fillLock = Mutex<[[UInt8]: UInt16]>([:])
    private var uniqueCount = 2  // guarded by fillLock

    /// The six (mode, vendor) tables, made together on first use (each is two small
    /// allocations; the row storage is touched only as rows are filled).
    private static let all: [FastLengthTables] = Mode.allCases.flatMap { mode in
        Vendor.allCases.map { FastLengthTables(mode: mode, vendor: $0) }
    }

    @inline(__always) static func key(_ mode: Mode, _ vendor: Vendor) -> Int {
        (mode == .bits16 ? 0 : mode == .bits32 ? 2 : 4) + (vendor == .amd ? 1 : 0)
    }

    static func shared(mode: Mode, vendor: Vendor) -> FastLengthTables { all[key(mode, vendor)] }

    /// What `X86Decoder.init` copies: raw pointers only, so making a decoder takes no lock and
    /// touches no reference count (two threads making decoders per case would otherwise fight
    /// over the shared objects' counts).
    struct Pointers {
        var nodes: UnsafeMutablePointer<UInt32>
        var forms: UnsafeMutablePointer<UInt64>
        var operands: UnsafeMutablePointer<UInt64>
        var fastIndex: UnsafeMutablePointer<Atomic<UInt32>>
        var fastRows: UnsafeMutablePointer<UInt8>
        var modrmLength: UnsafeMutablePointer<UInt8>
    }

    nonisolated(unsafe) static let pointers: UnsafeMutablePointer<Pointers> = {
        let p = UnsafeMutablePointer<Pointers>.allocate(capacity: all.count)
        let tables = DecoderTables.shared
        for (k, t) in all.enumerated() {
            (p + k).initialize(to: Pointers(nodes: tables.nodes, forms: tables.forms, operands: tables.operands, fastIndex: t.rowIndex, fastRows: t.rows, modrmLength: t.modrmLength))
        }
        return p
    }()

    private init(mode: Mode, vendor: Vendor) {
        self.mode = mode
        self.vendor = vendor
        rowIndex = UnsafeMutablePointer<Atomic<UInt32>>.allocate(capacity: Self.rowCount)
        for i in 0..<Self.rowCount { (rowIndex + i).initialize(to: Atomic(0)) }
        rows = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.uniqueCapacity * 256)
        rows.initialize(repeating: 0, count: 2 * 256)
        modrmLength = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for m in 0..<256 {
            let mod = m >> 6, rm = m & 7
            var n = 1
            if mod != 3 {
                if mode == .bits16 {
                    n += mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0
                } else {
                    n += (rm == 4 ? 1 : 0) + (mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 5)) ? 4 : 0)
                }
            }
            let sibBase5 = mode != .bits16 && mod == 0 && rm == 4
            (modrmLength + m).initialize(to: UInt8(n) | (sibBase5 ? 0x80 : 0))
        }
    }

    /// The summary of a row's 256 entries (see `rowIndex`): one valid answer for every next
    /// byte, or a constant plus `modrmLength[next]` for every next byte; else 0.
    static func summary(_ entries: [UInt8], modrmLength: UnsafePointer<UInt8>) -> UInt8 {
        let first = entries[0]
        guard first != 0, first & 0x40 == 0 else { return 0 }
        if first & 0x80 == 0 && entries.allSatisfy({ $0 == first }) { return 0x80 | first }
        let m0 = modrmLength[0]
        guard first & 0x0F > m0 & 0x0F else { return 0 }
        let c = (first & 0x0F) - (m0 & 0x0F)
        for next in 0..<256 {
            let m = modrmLength[next]
            if entries[next] != (m & 0x80) | (c + (m & 0x0F)) { return 0 }
        }
        return 0x90 | c
    }

    /// Per byte, how the prefix loop treats it: 0 not a legacy prefix; else bit 7 set and
    /// bits 0-2 the state bits it sets, bit 5 "clears the rep bits first" (F2/F3: the last
    /// wins), bit 6 "not handled" (LOCK, 67). Segment overrides only set bit 7.
    nonisolated(unsafe) static let prefixClass: UnsafeMutablePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        t.initialize(repeating: 0, count: 256)
        for b in [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65] { t[b] = 0x80 }
        t[0x66] = 0x80 | 0x01
        t[0xF3] = 0x80 | 0x20 | 0x02
        t[0xF2] = 0x80 | 0x20 | 0x04
        t[0xF0] = 0x80 | 0x40
        t[0x67] = 0x80 | 0x40
        return t
    }()

    /// Per byte, which prefix it is for the core's prefix loop (one load and one well-predicted
    /// branch per byte instead of a jump table): 0 none, 1 F0, 2 F2/F3, 3 66, 4 67,
    /// 5 26/2E/36/3E, 6 64/65, 7 40-4F (REX in 64-bit mode only).
    nonisolated(unsafe) static let prefixKind: UnsafeMutablePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        t.initialize(repeating: 0, count: 256)
        t[0xF0] = 1
        t[0xF2] = 2
        t[0xF3] = 2
        t[0x66] = 3
        t[0x67] = 4
        for b in [0x26, 0x2E, 0x36, 0x3E] { t[b] = 5 }
        t[0x64] = 6
        t[0x65] = 6
        for b in 0x40...0x4F { t[b] = 7 }
        return t
    }()

    /// The longest an instruction of the one-byte or 0F map can be from its opcode byte on
    /// (opcode, ModRM, SIB, disp32, imm32): an invalid answer is used only when the prefixes
    /// before it leave room for that, so the core could not have met the 15-byte limit first.
    static let longestFromOpcode = 11

    /// Computes `row` if nobody has yet; returns its index word (see `rowIndex`).
    func fill(_ row: Int) -> Int {
        fillLock.withLock { unique -> Int in
            let known = Int(rowIndex[row].load(ordering: .acquiring))
            if known != 0 { return known }
            let entries = Self.compute(row, mode: mode, vendor: vendor)
            let summary = Self.summary(entries, modrmLength: modrmLength)
            var index: UInt16 = 1
            if entries.contains(where: { $0 != 0 }) {
                if let seen = unique[entries] {
                    index = seen
                } else if uniqueCount < Self.uniqueCapacity {
                    index = UInt16(uniqueCount)
                    uniqueCount += 1
                    (rows + Int(index) * 256).initialize(from: entries, count: 256)
                    unique[entries] = index
                }
            }
            let word = UInt32(index) << 8 | UInt32(summary) << 24
            rowIndex[row].store(word, ordering: .releasing)
            return Int(word)
        }
    }

    /// The 256 entries of `row`.
    static func compute(_ row: Int, mode: Mode, vendor: Vendor) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 256)
        let opcode = row & 255
        let map = (row >> 8) & 1
        let rex = (row >> 9) % 3
        let state = (row >> 9) / 3
        if (map == 0 && isPrefixOrEscape(UInt8(opcode), mode: mode))
            || (map == 1 && (opcode == 0x0F || opcode == 0x38 || opcode == 0x3A))
            || (rex != 0 && mode != .bits64)
        {
            return out
        }
        let decoder = X86Decoder(mode: mode, vendor: vendor, shortcut: false)
        var lead: [UInt8] = []
        if state & 1 != 0 { lead.append(0x66) }
        if state >> 1 == 1 { lead.append(0xF3) }
        if state >> 1 == 2 { lead.append(0xF2) }
        let rexBytes: [UInt8] = rex == 0 ? [0] : rex == 1 ? [0x40, 0x41, 0x42, 0x44] : [0x48, 0x4F]
        // Tails after the next byte: the SIB (if any) first. Base 5 must be the only SIB
        // value that changes the answer, and only by the 4 the entry's bit 7 adds; nothing
        // after it may change the answer.
        let tails: [[UInt8]] = [[0x00, 0x00], [0x05, 0xFF]]
        var buffer = [UInt8](repeating: 0, count: 16)
        for next in 0..<256 {
            var agreed: UInt8? = nil
            var consistent = true
            for r in rexBytes {
                for tail in tails {
                    var n = 0
                    for b in lead { buffer[n] = b; n += 1 }
                    if r != 0 { buffer[n] = r; n += 1 }
                    if map == 1 { buffer[n] = 0x0F; n += 1 }
                    let start = n
                    buffer[n] = UInt8(opcode)
                    buffer[n + 1] = UInt8(next)
                    for k in (n + 2)..<16 { buffer[k] = tail[k == n + 2 ? 0 : 1] }
                    let e = entry(decoder, buffer, start: start)
                    if agreed == nil { agreed = e } else if agreed != e { consistent = false }
                }
            }
            out[next] = consistent ? (agreed ?? 0) : 0
        }
        return out
    }

    /// The entry for the instruction in `buffer` whose opcode byte is at `start`.
    private static func entry(_ decoder: X86Decoder, _ buffer: [UInt8], start: Int) -> UInt8 {
        buffer.withUnsafeBufferPointer { b -> UInt8 in
            var raw = RawDecode()
            do throws(InvalidReason) {
                try decoder.core(b.baseAddress!, 15, &raw)
            } catch {
                // The reason must not be one the bytes after the opcode's neighbourhood decide.
                if error == .truncated || error == .tooLong { return 0 }
                return 0x40 | error.rawValue
            }
            if raw.map == .amd3DNow || raw.kind != .legacy { return 0 }
            var length = raw.length - start
            // A SIB with mod = 0 gains a disp32 when its base is 5.
            let sibDependent = raw.hasSIB && raw.mod == 0
            if sibDependent && b[raw.modrmPos + 1] & 7 == 5 { length -= 4 }
            guard length > 0 && length <= longestFromOpcode else { return 0 }
            return UInt8(length) | (sibDependent ? 0x80 : 0)
        }
    }

    static func isPrefixOrEscape(_ b: UInt8, mode: Mode) -> Bool {
        switch b {
        case 0xF0, 0xF2, 0xF3, 0x66, 0x67, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x0F, 0xC4, 0xC5, 0x62, 0x8F: return true
        case 0x40...0x4F: return mode == .bits64
        default: return false
        }
    }
}
