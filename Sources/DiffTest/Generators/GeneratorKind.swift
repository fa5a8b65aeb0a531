/// The case generators a campaign can use. Every one is seeded: the campaign seed plus a case
/// index reproduce a case exactly (the tunnel walk also needs the indices before it: it is a
/// walk, replayed from its start position).
public enum GeneratorKind: String, CaseIterable, Codable, Sendable, Comparable {
    case random, structured, tunnel, mutate

    /// Share of cases per generator when a campaign runs `all` (out of 100). The structured
    /// generator gets half: it reaches every map and opcode, where random bytes mostly land in
    /// the legacy map; random keeps the unbiased baseline; tunnel walks the encoding space
    /// systematically; mutate revisits the neighbourhood of known findings.
    public var weight: UInt64 {
        switch self {
        case .structured: 50
        case .random: 25
        case .tunnel: 15
        case .mutate: 10
        }
    }

    public static func < (a: GeneratorKind, b: GeneratorKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses `random`, `structured,tunnel`, `all`.
    public static func parseList(_ text: String) -> [GeneratorKind]? {
        if text == "all" { return allCases }
        var out: [GeneratorKind] = []
        for part in text.split(separator: ",") {
            guard let k = GeneratorKind(rawValue: String(part)) else { return nil }
            if !out.contains(k) { out.append(k) }
        }
        return out.isEmpty ? nil : out.sorted()
    }
}

/// The per-case random stream: SplitMix64 seeded with the SplitMix64 finalizer of
/// `seed + index × φ` (φ = 0x9E3779B97F4A7C15), so each case index has its own independent
/// stream and cases can be made in any order, on any thread, with the same result.
public enum CaseStream {
    @inline(__always)
    public static func rng(seed: UInt64, index: UInt64) -> SplitMix64 {
        var z = seed &+ index &* 0x9E37_79B9_7F4A_7C15 &+ 0x632B_E59B_D9B4_E019
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return SplitMix64(seed: z ^ (z >> 31))
    }

    /// Which of `kinds` makes case `index`: by weight, from the first value of a stream that
    /// is independent of the one the generator uses.
    public static func generator(seed: UInt64, index: UInt64, kinds: [GeneratorKind]) -> GeneratorKind {
        if kinds.count == 1 { return kinds[0] }
        var r = rng(seed: seed ^ 0x5EED_0F_6E4E_7A70, index: index)
        let total = kinds.reduce(0) { $0 + $1.weight }
        var pick = r.next() % total
        for k in kinds {
            if pick < k.weight { return k }
            pick -= k.weight
        }
        return kinds[kinds.count - 1]
    }
}

extension SplitMix64 {
    /// A value in 0..<n (n > 0), by multiply-shift (no modulo bias worth caring about here).
    @inline(__always)
    public mutating func below(_ n: Int) -> Int {
        Int((UInt128(next()) &* UInt128(n)) >> 64)
    }

    /// True with probability `percent`/100.
    @inline(__always)
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    @inline(__always)
    public mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

    public mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}
