import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
@usableFromInline final class FastLengthTables: @unchecked Sendable {
    /// Prefix states: bit 0 66, bits 1-2 rep (0 none, 1 F3, 2 F2).
    static let prefixStates = 6
    /// Rows: ((state * 3 + rex) * 2 + map) * 256 + opcode; rex 0 none, 1 REX without W,
    /// 2 REX.W (64-bit mode only).
    static let rowCount = prefixStates * 3 * 2 * 256
    /// Distinct rows kept at most; a row beyond that takes the full path.
    static let uniqueCapacity = 4096
    /// Entries of one pair table, and of `flat` (six tables).
    static let pairTableSize = 256 * 256
    static let flatCount = 6 * pairTableSize
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
    /// The pair table: one entry per first two bytes after the legacy prefixes (b1 * 256 +
    /// b0: the two bytes as a little-endian word; entries of one ModRM, or after one REX,
    /// share lines), for prefix state 0 (no 66/F2/F3), which is nearly all compiled code. One
    /// load keyed by bytes at fixed places answers, with no test of what b0 is. An entry is a
    /// kind k (bits 4-7) and c (bits 0-3):
    ///   k 0: not filled yet, or the full path decides (legacy prefixes, REX+0F, 3-byte
    ///        escapes, ...);
    ///   k 1: valid, length c from b0 on (an opcode of the one-byte map with its ModRM b1; or
    ///        a REX or 0F and an opcode b1 with one answer whatever follows);
    ///   k 2: as 1, and b2 is a SIB whose base 5 adds a disp32;
    ///   k 3: invalid, c the reason (all reasons are below 16);
    ///   k 4-15: a REX (64-bit mode) or 0F, opcode b1 and ModRM b2: c plus what the ModRM
    ///        brings (`modrmLength`, and 4 when its SIB b3 has base 5 under mod = 0) where
    ///        class k - 4's mask (`pairMasks`) says, by mod = 3 and ModRM.reg; the full path
    ///        decides elsewhere (other lengths, as TEST's immediate after F6/F7, or validity
    ///        that follows ModRM.rm, as XBEGIN's C7 F8).
    /// `flat` holds six such tables: 0 for the bytes at the start, and for the bytes after one
    /// first byte, which `prefixContext` names: 1-3 after 66, F3, F2 (their prefix states),
    /// 4-5 after a REX without and with W (entries for 0F and an opcode only: REX+0F), and
    /// table 0 again after a segment override (which changes neither length nor validity).
    /// The length needs no second load behind the entry (what the ModRM brings is loaded
    /// beside it, from b2); validity is one mask load and a test, which goes the same way
    /// nearly always in compiled code. A mask is written before any entry names it; entries
    /// are stored with release and loaded with acquire ordering (plain moves on x86).
    let flat: UnsafeMutablePointer<Atomic<UInt8>>
    /// Per ModRM byte: bits 0-3 and 7 as `modrmLength`, and its place in a validity mask,
    /// (mod = 3 ? 8 : 0) + reg, as the one bit 32 + place.
    let modrmInfo: UnsafeMutablePointer<UInt64>
    /// Per first byte, the pair table for the bytes after it (see `flat`), plus 1; 0: none
    /// (not a prefix, or LOCK, 67, a REX outside 64-bit mode).
    let prefixContext: UnsafeMutablePointer<UInt8>
    /// Per pair entry's kind (bits 4-7), the ModRM bytes it answers for (bits 32-47, as in
    /// `modrmInfo`): kinds 1 and 2 every one; 0 and 3 none; 4-15 their class's mask.
    let pairMasks: UnsafeMutablePointer<UInt64>
    /// The formula classes' masks (bits 0-15), kind 4 + index. Guarded by fillLock.
    private var classMasks: [UInt16] = []
    /// Masks registered first, in this order, so the twelve classes do not go to whichever
    /// rows a process happens to meet first: those of the 64-bit one-byte and 0F maps after
    /// a REX or 0F, most used first (every ModRM; mod != 3 only, as LEA; mod = 3 only; /0
    /// only, as C6/C7; /2-/7, as F6/F7 without TEST; then the group patterns). Any other
    /// mask takes a free class or, with none left, its rows take the full path.
    static let preferredMasks: [UInt16] = [0xFFFF, 0x00FF, 0xFF00, 0x0101, 0xFCFC, 0x3F3F, 0x3D3D, 0x3FDF, 0x0303, 0x5400, 0x577F]
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
    /// over the shared objects' counts), and one entry holds them all: a decoder made from its
    /// entry reads no lazily initialized static (each read is a `swift_once` call).
    @usableFromInline struct Pointers {
        var mode: Mode
        var vendor: Vendor
        var nodes: UnsafeMutablePointer<UInt32>
        var forms: UnsafeMutablePointer<UInt64>
        var operands: UnsafeMutablePointer<UInt64>
        var fastIndex: UnsafeMutablePointer<Atomic<UInt32>>
        var fastRows: UnsafeMutablePointer<UInt8>
        var flat: UnsafeMutablePointer<Atomic<UInt8>>
        var modrmInfo: UnsafeMutablePointer<UInt64>
        var pairMasks: UnsafeMutablePointer<UInt64>
        var prefixContext: UnsafeMutablePointer<UInt8>
        var modrmLength: UnsafeMutablePointer<UInt8>
        var prefixClass: UnsafeMutablePointer<UInt8>
        var prefixKind: UnsafeMutablePointer<UInt8>
        var sibBase5: UnsafeMutablePointer<UInt8>
    }

    nonisolated(unsafe) static let pointers: UnsafeMutablePointer<Pointers> = {
        let p = UnsafeMutablePointer<Pointers>.allocate(capacity: all.count)
        let tables = DecoderTables.shared
        for (k, t) in all.enumerated() {
            (p + k).initialize(to: Pointers(mode: t.mode, vendor: t.vendor, nodes: tables.nodes, forms: tables.forms, operands: tables.operands, fastIndex: t.rowIndex, fastRows: t.rows, flat: t.flat, modrmInfo: t.modrmInfo, pairMasks: t.pairMasks, prefixContext: t.prefixContext, modrmLength: t.modrmLength,
                                            prefixClass: prefixClass, prefixKind: prefixKind, sibBase5: sibBase5))
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
        // Zeroed pages from calloc: the pair table takes memory only as rows are filled.
        flat = calloc(Self.flatCount, 1)!.bindMemory(to: Atomic<UInt8>.self, capacity: Self.flatCount)
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
        modrmInfo = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        for b in 0..<256 { (modrmInfo + b).initialize(to: UInt64(modrmLength[b]) | 1 << UInt64(32 + Self.modrmClass(b))) }
        pairMasks = UnsafeMutablePointer<UInt64>.allocate(capacity: 16)
        pairMasks.initialize(repeating: 0, count: 16)
        pairMasks[1] = 0xFFFF << 32
        pairMasks[2] = 0xFFFF << 32
        prefixContext = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        prefixContext.initialize(repeating: 0, count: 256)
        // A legacy prefix the shortcut handles (segments, 66, F3, F2): the table of the state
        // it sets on its own.
        for b in 0..<256 where Self.prefixClass[b] & 0xC0 == 0x80 {
            prefixContext[b] = UInt8(Self.pairTable(state: Int(Self.prefixClass[b] & 7))! + 1)
        }
        if mode == .bits64 { for b in 0x40...0x4F { prefixContext[b] = b < 0x48 ? 5 : 6 } }
        for mask in Self.preferredMasks { _ = classFor(mask) }
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

    /// The pair table's entry for an entry of a one-byte-map row (see `flat`).
    static func pairEntry(_ e: UInt8) -> UInt8 {
        if e == 0 { return 0 }
        if e & 0x40 != 0 { return 0x30 | (e & 0x0F) }  // the reasons are below 16
        return (e & 0x80 != 0 ? 0x20 : 0x10) | (e & 0x0F)
    }

    /// The kind (4-15) of the formula class with `mask`, registering it while one of the
    /// twelve is free; nil when none is. Called at init or under fillLock.
    func classFor(_ mask: UInt16) -> Int? {
        if let k = classMasks.firstIndex(of: mask) { return 4 + k }
        guard classMasks.count < 12 else { return nil }
        classMasks.append(mask)
        let k = 4 + classMasks.count - 1
        pairMasks[k] = UInt64(mask) << 32
        return k
    }

    /// A ModRM byte's place in a validity mask: (mod = 3 ? 8 : 0) + reg.
    static func modrmClass(_ b: Int) -> Int { (b >= 0xC0 ? 8 : 0) + (b >> 3) & 7 }

    /// The pair table's entry for a row reached through a REX or 0F (see `flat`), or nil when
    /// none fits: one answer for every next byte (a valid one without SIB, or an invalid
    /// one); or a formula, c plus what the ModRM brings, over the ModRM classes (mod = 3,
    /// ModRM.reg) whose entries all follow it with the c that the most classes share (the
    /// mask; the class is assigned by `fill`).
    static func pairFormula(_ entries: [UInt8], modrmLength: UnsafePointer<UInt8>) -> (entry: UInt8, mask: UInt16?)? {
        guard !entries.contains(0) else { return nil }
        let first = entries[0]
        if entries.allSatisfy({ $0 == first }) {
            if first & 0x40 != 0 { return (0x30 | (first & 0x0F), nil) }
            guard first & 0x80 == 0, first & 0x0F < 15 else { return nil }
            return (0x10 | (first + 1), nil)
        }
        // Per class, the c all its entries follow (nil: none, or they disagree).
        var classC = [UInt8?](repeating: nil, count: 16)
        var broken = [Bool](repeating: false, count: 16)
        for next in 0..<256 {
            let e = entries[next], m = modrmLength[next]
            let k = modrmClass(next)
            guard e & 0x40 == 0, e & 0x80 == m & 0x80, e & 0x0F > m & 0x0F else { broken[k] = true; continue }
            let c = (e & 0x0F) - (m & 0x0F)
            if classC[k] == nil { classC[k] = c } else if classC[k] != c { broken[k] = true }
        }
        var votes: [UInt8: Int] = [:]
        for k in 0..<16 where !broken[k] { if let c = classC[k] { votes[c, default: 0] += 1 } }
        guard let c = votes.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key, c < 15 else { return nil }
        var mask: UInt16 = 0
        for k in 0..<16 where !broken[k] && classC[k] == c { mask |= 1 << UInt16(k) }
        return (c + 1, mask)
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

    /// Per byte: 4 when it is a SIB whose base is 5 (b & 7 == 5), else 0; with the SIB flag
    /// of `modrmLength`, what a disp32 without base adds (a load, where a comparison would
    /// become a branch).
    nonisolated(unsafe) static let sibBase5: UnsafeMutablePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for b in 0..<256 { (t + b).initialize(to: b & 7 == 5 ? 4 : 0) }
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
            writePairEntries(row, entries)
            let word = UInt32(index) << 8 | UInt32(summary) << 24
            rowIndex[row].store(word, ordering: .releasing)
            return Int(word)
        }
    }

    /// Writes what `row`'s entries give the pair tables (see `flat`): exact entries for a
    /// row of the one-byte map, a formula for an opcode after a REX or 0F. Under fillLock.
    private func writePairEntries(_ row: Int, _ entries: [UInt8]) {
        let (state, rex, map, opcode) = Self.fields(ofRow: row)
        guard let table = Self.pairTable(state: state), rex == 0 || mode == .bits64 else { return }
        let t = flat + table * Self.pairTableSize
        if rex == 0 && map == 0 {
            // The rows of prefixes and escapes are all zero; those of REX and 0F would
            // overwrite formulas.
            guard !Self.isPrefixOrEscape(UInt8(opcode), mode: mode) else { return }
            for next in 0..<256 { t[next * 256 + opcode].store(Self.pairEntry(entries[next]), ordering: .releasing) }
            return
        }
        // After a REX in prefix states other than 0, only the one-byte map has entries.
        guard rex == 0 || map == 0 || table == 0 else { return }
        var f: UInt8 = 0
        if let (entry, mask) = Self.pairFormula(entries, modrmLength: modrmLength) {
            if let mask {
                if let k = classFor(mask) { f = UInt8(k) << 4 | entry }
            } else {
                f = entry
            }
        }
        if map == 0 {
            // After a REX: the opcode is the second byte.
            for b0 in rex == 1 ? 0x40...0x47 : 0x48...0x4F { t[opcode * 256 + b0].store(f, ordering: .releasing) }
        } else if rex == 0 {
            t[opcode * 256 + 0x0F].store(f, ordering: .releasing)
        } else {
            // REX+0F: after the REX, tables 4-5 hold 0F and the opcode.
            flat[(3 + rex) * Self.pairTableSize + opcode * 256 + 0x0F].store(f, ordering: .releasing)
        }
    }

    /// What a row number stands for (see `rowCount`).
    static func fields(ofRow row: Int) -> (state: Int, rex: Int, map: Int, opcode: Int) {
        ((row >> 9) / 3, (row >> 9) % 3, (row >> 8) & 1, row & 255)
    }

    /// The pair table (see `flat`) that holds the bytes after the legacy prefixes of prefix
    /// state `state`: 0 none, 1 66, 2 F3, 3 F2; nil for the others (66 with F3 or F2).
    static func pairTable(state: Int) -> Int? {
        switch state {
        case 0: 0
        case 1: 1
        case 2: 2
        case 4: 3
        default: nil
        }
    }

    /// The 256 entries of `row`.
    static func compute(_ row: Int, mode: Mode, vendor: Vendor) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 256)
        let (state, rex, map, opcode) = fields(ofRow: row)
        if (map == 0 && isPrefixOrEscape(UInt8(opcode), mode: mode))
            || (map == 1 && (opcode == 0x0F || opcode == 0x38 || opcode == 0x3A))
            || (rex != 0 && mode != .bits64)
        {
            return out
        }
        let decoder = X86Decoder(mode: mode, vendor: vendor)
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
