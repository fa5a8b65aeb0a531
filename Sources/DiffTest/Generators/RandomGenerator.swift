/// `random`: 1–15 uniformly random bytes from the case's SplitMix64 stream (length first, then
/// the bytes, eight per draw, little-endian).
public struct RandomGenerator: Sendable {
    public init() {}

    public func make(_ rng: inout SplitMix64) -> [UInt8] {
        let count = 1 + rng.below(15)
        return rng.bytes(count)
    }
}
