import X86Decoder

/// `tunnel`: sandsifter's walk over the encoding space (Domas, "Breaking the x86 ISA", 2017).
/// The walk holds a 15-byte buffer and a marker at the last byte of the current instruction
/// (its length under the project decoder). Each step:
/// 1. increments the byte at the marker; when it wraps to 00 the marker backs up one byte and
///    that byte is incremented instead (repeatedly);
/// 2. decodes the buffer: when the length changed, the marker moves to the new last byte (one
///    byte deeper when it grew). An invalid buffer keeps the marker where it is.
/// Every step makes the buffer lexicographically larger, so the walk ends (the marker backs
/// up past byte 0). It then restarts at the next start position. Bytes past the marker are
/// filled from the seed's stream at each start, so two seeds probe different tails.
///
/// A shard I of N starts its first byte at (I-1)·256/N, so N shards walk disjoint prefixes
/// first. The position is `State` (Codable): a campaign saves it and resumes from it.
public struct TunnelGenerator: Sendable {
    public struct State: Codable, Equatable, Sendable {
        public var schemaVersion = 1
        /// The buffer as hex (15 bytes).
        public var bytes: String
        public var marker: Int
        public var length: Int
        /// Completed walks (restarts); selects the next start position.
        public var restarts: Int
        public var steps: UInt64
    }

    public private(set) var buffer: [UInt8]
    public private(set) var marker: Int
    var length: Int
    var restarts: Int
    public private(set) var steps: UInt64
    let seed: UInt64
    let firstByte: UInt8
    let decoder: X86Decoder

    public init(seed: UInt64, mode: Mode, vendor: Vendor, shard: Int = 1, of shards: Int = 1) {
        self.seed = seed
        decoder = X86Decoder(mode: mode, vendor: vendor)
        firstByte = UInt8((shard - 1) * 256 / max(1, shards))
        buffer = []
        marker = 0
        length = 0
        restarts = 0
        steps = 0
        start()
    }

    /// Resumes from a saved position (seed, mode and shard still decide later restarts).
    public init(resuming state: State, seed: UInt64, mode: Mode, vendor: Vendor, shard: Int = 1, of shards: Int = 1) throws {
        self.init(seed: seed, mode: mode, vendor: vendor, shard: shard, of: shards)
        let bytes = try Hex.parse(state.bytes)
        guard bytes.count == 15, (0..<15).contains(state.marker) else {
            throw Hex.ParseError(description: "tunnel state: need 15 bytes and a marker in 0...14")
        }
        buffer = bytes
        marker = state.marker
        length = state.length
        restarts = state.restarts
        steps = state.steps
    }

    public var state: State {
        State(bytes: Hex.string(buffer), marker: marker, length: length, restarts: restarts, steps: steps)
    }

    mutating func start() {
        var rng = CaseStream.rng(seed: seed ^ 0x7475_6E6E_656C, index: UInt64(restarts))
        buffer = [firstByte &+ UInt8(truncatingIfNeeded: restarts)] + rng.bytes(14)
        length = decoder.length(of: buffer).length ?? 1
        marker = min(length, 15) - 1
    }

    /// The current buffer, then one step of the walk.
    public mutating func next() -> [UInt8] {
        let out = buffer
        advance()
        return out
    }

    mutating func advance() {
        steps += 1
        while true {
            if buffer[marker] == 0xFF {
                buffer[marker] = 0
                if marker == 0 {
                    restarts += 1
                    start()
                    return
                }
                marker -= 1
                continue
            }
            buffer[marker] += 1
            break
        }
        if let n = decoder.length(of: buffer).length, n != length {
            length = n
            marker = min(n, 15) - 1
        }
    }
}
