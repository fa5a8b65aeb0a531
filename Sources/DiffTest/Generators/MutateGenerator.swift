import X86Decoder

/// `mutate`: AFL-style havoc over a fixed pool of stored cases (corpus seeds and findings of
/// the campaign's mode, plus the built-in seeds). Per case: pick a pool case, apply 1–4 of
/// bit flip, random byte, byte insert, byte delete, legacy/REX prefix insert (at the front or
/// after an existing prefix), splice with a second pool case (head of one, tail of the other).
/// Results are clamped to 1–15 bytes. The pool is fixed when the campaign starts, so a seed and
/// an index still reproduce a case.
public struct MutateGenerator: Sendable {
    public let pool: [[UInt8]]

    /// Built-in seeds: common and tricky encodings (each a known-interesting neighbourhood).
    public static let builtIn: [String] = [
        "4889c8", "f390", "c20800", "e800000000", "0f8500000000", "66e82e1b88e6", "48b80100000000000000",
        "a10000000000000000", "f3a4", "f0480fc70e", "c5f9fec0", "62f17d48fe4001", "0f0f0c24b0", "660f3a0fc101",
        "8f0a78100000000000", "c4e2791800", "0fb9c0", "0fffc0", "f00345 08", "663e26640f1f840000000000",
        "8b0424", "8b4c2408", "8b0425 00000000", "ff1500000000", "d8c1", "0f01f9", "440f20c0", "f20f5a c1",
    ]

    static let prefixes: [UInt8] = [0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0x66, 0x67, 0x40, 0x41, 0x48, 0x4C]

    public init(pool: [[UInt8]]) {
        let seeds = Self.builtIn.compactMap { try? Hex.parse($0) }
        self.pool = (pool + seeds).filter { !$0.isEmpty }
    }

    public func make(_ rng: inout SplitMix64) -> [UInt8] {
        var b = pool[rng.below(pool.count)]
        let ops = 1 + rng.below(4)
        for _ in 0..<ops {
            switch rng.below(6) {
            case 0:
                let i = rng.below(b.count)
                b[i] ^= 1 << UInt8(rng.below(8))
            case 1:
                b[rng.below(b.count)] = rng.byte()
            case 2:
                b.insert(rng.byte(), at: rng.below(b.count + 1))
            case 3:
                if b.count > 1 { b.remove(at: rng.below(b.count)) }
            case 4:
                let at = rng.chance(50) ? 0 : rng.below(min(b.count, 4) + 1)
                b.insert(rng.pick(Self.prefixes), at: at)
            default:
                let other = pool[rng.below(pool.count)]
                let cut = rng.below(b.count + 1)
                let from = rng.below(other.count + 1)
                b = Array(b[..<cut]) + Array(other[from...])
            }
            if b.isEmpty { b = [rng.byte()] }
        }
        if b.count > 15 { b.removeLast(b.count - 15) }
        return b
    }
}
