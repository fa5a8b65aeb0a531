import Synchronization

/// A shortcut for the length path, derived from the decode tree (never written by hand).
///
/// For the one-byte and 0F maps, under a "prefix state" (no mandatory-looking prefix, or one of
/// 66/F3/F2; no REX, REX without W, or REX.W; segment prefixes anywhere before the opcode,
/// which change neither length nor validity), one byte per (opcode, next byte) holds the
/// instruction's length from the opcode on, or 0 for "take the full path" (invalid, escapes,
/// LOCK/67/repeated prefixes, anything whose length depends on more):
///
///   bits 0-4  length from the opcode byte on (opcode, ModRM, SIB, displacement, immediates)
///   bit  7    add 4 when the SIB byte's base is 5 (mod = 0: a disp32 and no base)
///
/// Each row (one prefix state, map and opcode: 256 entries) is computed the first time it is
/// needed by running the full decoder on every next byte, so the shortcut agrees with the tree
/// by construction; a REX row is used only where every REX.R/X/B combination gives the same
/// answer. `FastLengthTests` checks shortcut == core on every covered shape.
final class FastLengthTables: @unchecked Sendable {
    /// Rows: ((prefix * 3 + rex) * 2 + map) * 256 + opcode; prefix 0 none, 1 66, 2 F3, 3 F2;
    /// rex 0 none, 1 REX without W, 2 REX.W (64-bit mode only).
    static let rowCount = 4 * 3 * 2 * 256
    let entries: UnsafeMutablePointer<UInt8>
    /// 1 once a row is filled (written with release ordering after the row's entries).
    let ready: UnsafeMutablePointer<Atomic<UInt8>>
    let mode: Mode
    let vendor: Vendor
    private let fillLock = Mutex<Void>(())

    private static let cache = Mutex<[Int: FastLengthTables]>([:])

    static func shared(mode: Mode, vendor: Vendor) -> FastLengthTables {
        let key = mode.bits * 2 + (vendor == .amd ? 1 : 0)
        return cache.withLock { tables in
            if let t = tables[key] { return t }
            let t = FastLengthTables(mode: mode, vendor: vendor)
            tables[key] = t
            return t
        }
    }

    private init(mode: Mode, vendor: Vendor) {
        self.mode = mode
        self.vendor = vendor
        entries = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.rowCount * 256)
        entries.initialize(repeating: 0, count: Self.rowCount * 256)
        ready = UnsafeMutablePointer<Atomic<UInt8>>.allocate(capacity: Self.rowCount)
        for i in 0..<Self.rowCount { (ready + i).initialize(to: Atomic(0)) }
    }

    /// The class of each byte in the prefix loop: 0 not a prefix, 1 segment override, 2 66,
    /// 3 F3, 4 F2, 5 a prefix the shortcut does not handle (F0, 67).
    nonisolated(unsafe) static let prefixClass: UnsafeMutablePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        t.initialize(repeating: 0, count: 256)
        for b in [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65] { t[b] = 1 }
        t[0x66] = 2
        t[0xF3] = 3
        t[0xF2] = 4
        t[0xF0] = 5
        t[0x67] = 5
        return t
    }()

    @inline(__always) func isReady(_ row: Int) -> Bool { ready[row].load(ordering: .acquiring) != 0 }

    /// Fills `row` if nobody has yet.
    func fill(_ row: Int) {
        fillLock.withLock { _ in
            if isReady(row) { return }
            let decoder = X86Decoder(mode: mode, vendor: vendor, fastTables: nil)
            let opcode = row & 255
            let map = (row >> 8) & 1
            let rex = (row >> 9) % 3
            let prefix = (row >> 9) / 3
            let base = entries + row * 256
            let excluded = (map == 0 && Self.isPrefixOrEscape(UInt8(opcode), mode: mode))
                || (map == 1 && (opcode == 0x0F || opcode == 0x38 || opcode == 0x3A))
                || (rex != 0 && mode != .bits64)
            if !excluded {
                let rexBytes: [UInt8] = rex == 0 ? [0] : rex == 1 ? [0x40, 0x41, 0x42, 0x44] : [0x48, 0x4F]
                var buffer = [UInt8](repeating: 0, count: 16)
                for next in 0..<256 {
                    var agreed: UInt8? = nil
                    var consistent = true
                    for r in rexBytes {
                        var n = 0
                        if prefix != 0 { buffer[n] = [0, 0x66, 0xF3, 0xF2][prefix]; n += 1 }
                        if r != 0 { buffer[n] = r; n += 1 }
                        if map == 1 { buffer[n] = 0x0F; n += 1 }
                        let start = n
                        buffer[n] = UInt8(opcode)
                        buffer[n + 1] = UInt8(next)
                        for k in (n + 2)..<16 { buffer[k] = 0 }
                        let e = Self.entry(decoder, buffer, start: start)
                        if agreed == nil { agreed = e } else if agreed != e { consistent = false }
                    }
                    base[next] = consistent ? (agreed ?? 0) : 0
                }
            }
            ready[row].store(1, ordering: .releasing)
        }
    }

    /// The entry for the instruction in `buffer` whose opcode byte is at `start`.
    private static func entry(_ decoder: X86Decoder, _ buffer: [UInt8], start: Int) -> UInt8 {
        buffer.withUnsafeBufferPointer { b -> UInt8 in
            var raw = RawDecode()
            do {
                try decoder.core(b.baseAddress!, 15, &raw)
            } catch {
                return 0
            }
            if raw.map == .amd3DNow || raw.kind != .legacy { return 0 }
            let length = raw.length - start
            guard length > 0 && length < 32 else { return 0 }
            // A SIB with mod = 0 gains a disp32 when its base is 5; the buffer's SIB is 0.
            let sibDependent = raw.hasSIB && raw.mod == 0
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
