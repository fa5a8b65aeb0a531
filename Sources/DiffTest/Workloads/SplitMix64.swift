/// SplitMix64 (Steele, Lea, Flood 2014): the project's seeded generator. A seed means the same
/// sequence on every machine and every version that keeps this generator.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `out += bytes(count)` without the temporary array: the same draws, the same bytes.
    public mutating func appendBytes(_ count: Int, to out: inout [UInt8]) {
        var i = 0
        while i + 8 <= count {
            var v = next()
            for _ in 0..<8 {
                out.append(UInt8(truncatingIfNeeded: v))
                v >>= 8
            }
            i += 8
        }
        var last = next()
        while i < count {
            out.append(UInt8(truncatingIfNeeded: last))
            last >>= 8
            i += 1
        }
    }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { buffer in
            var i = 0
            while i + 8 <= count {
                buffer.storeBytes(of: next().littleEndian, toByteOffset: i, as: UInt64.self)
                i += 8
            }
            var last = next()
            while i < count {
                buffer[i] = UInt8(truncatingIfNeeded: last)
                last >>= 8
                i += 1
            }
        }
        return out
    }
}
