import Synchronization

/// A shortcut for the length path, derived from the decode tree (never written by hand): for
/// the one-byte and 0F maps with no legacy prefix (optionally a REX), one byte per
/// (opcode, next byte) holds the instruction's length from the opcode on, or 0 for "take the
/// full path" (invalid, prefixes, escapes, anything whose length depends on more).
///
///   bits 0-4  length from the opcode byte on (opcode, ModRM, SIB, displacement, immediates)
///   bit  7    add 4 when the SIB byte's base is 5 (mod = 0: a disp32 and no base)
///
/// Built lazily once per (mode, vendor) by running the full decoder on each (opcode, ModRM)
/// pair, so it agrees with the tree by construction; the REX tables are used only where every
/// REX.R/X/B combination gives the same answer. The property tests check fast == full.
final class FastLengthTables: @unchecked Sendable {
    /// Index: table * 65536 + opcode * 256 + next byte. Tables: 0 legacy, 1 0F, each for
    /// "no prefix", "REX without W" and "REX.W" (64-bit mode only): 6 tables.
    let entries: UnsafeMutablePointer<UInt8>

    static let count = 6 * 65536
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
        entries = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.count)
        entries.initialize(repeating: 0, count: Self.count)
        let decoder = X86Decoder(mode: mode, vendor: vendor, fastTables: nil)
        let prefixes: [(table: Int, rex: [UInt8])] =
            mode == .bits64 ? [(0, []), (1, [0x40, 0x41, 0x42, 0x44]), (2, [0x48, 0x4F])] : [(0, [])]
        var buffer = [UInt8](repeating: 0, count: 16)
        for (set, rexes) in prefixes {
            for map in 0..<2 {
                for opcode in 0..<256 {
                    if map == 0 && Self.isPrefixOrEscape(UInt8(opcode), mode: mode) { continue }
                    if map == 1 && (opcode == 0x0F || opcode == 0x38 || opcode == 0x3A) { continue }
                    for next in 0..<256 {
                        var agreed: UInt8? = nil
                        var consistent = true
                        for rex in (rexes.isEmpty ? [0] : rexes) {
                            var n = 0
                            if rex != 0 { buffer[n] = rex; n += 1 }
                            if map == 1 { buffer[n] = 0x0F; n += 1 }
                            let start = n
                            buffer[n] = UInt8(opcode)
                            buffer[n + 1] = UInt8(next)
                            for k in (n + 2)..<16 { buffer[k] = 0 }
                            let e = Self.entry(decoder, &buffer, start: start)
                            if agreed == nil { agreed = e } else if agreed != e { consistent = false }
                        }
                        if consistent, let e = agreed {
                            entries[(set * 2 + map) * 65536 + opcode * 256 + next] = e
                        }
                    }
                }
            }
        }
    }

    /// The entry for the instruction in `buffer` whose opcode byte is at `start`.
    private static func entry(_ decoder: X86Decoder, _ buffer: inout [UInt8], start: Int) -> UInt8 {
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
