/// "Emulate and discard": reads are served by the wrapped bus, writes are never passed on but
/// kept in order in `writes` (what an introspection agent reports), and later reads of the same
/// bytes see them, so one instruction (or a run) behaves as if it had written.
public struct WriteDiscardBus<Base: Bus>: Bus {
    public struct Write: Hashable, Sendable {
        public var address: UInt64
        public var size: Int
        public var value: UInt64

        public init(address: UInt64, size: Int, value: UInt64) {
            self.address = address
            self.size = size
            self.value = value
        }
    }

    public var base: Base
    public private(set) var writes: [Write] = []

    public init(_ base: Base) {
        self.base = base
        writes.reserveCapacity(16)
    }

    /// Forgets the recorded writes (keeps the storage).
    public mutating func reset() { writes.removeAll(keepingCapacity: true) }

    /// The bytes written, in order (one entry per byte of each write).
    public var writtenBytes: [(address: UInt64, byte: UInt8)] {
        writes.flatMap { w in (0..<w.size).map { (w.address &+ UInt64($0), UInt8(truncatingIfNeeded: w.value >> UInt64(8 * $0))) } }
    }

    @inline(__always) func overlay(_ address: UInt64, _ size: Int, _ value: UInt64) -> UInt64 {
        var v = value
        for w in writes {
            for k in 0..<w.size {
                let a = w.address &+ UInt64(k)
                let d = a &- address
                if d < UInt64(size) {
                    let byte = (w.value >> UInt64(8 * k)) & 0xFF
                    v = v & ~(0xFF << (8 * d)) | byte << (8 * d)
                }
            }
        }
        return v
    }

    public mutating func read(_ address: UInt64, size: Int, forWrite: Bool) -> Result<UInt64, MemoryFault> {
        switch base.read(address, size: size, forWrite: forWrite) {
        case .failure(let f): return .failure(f)
        case .success(let v): return .success(writes.isEmpty ? v : overlay(address, size, v))
        }
    }

    /// Checks the write would succeed (a read-for-write probe of the base), then records it.
    public mutating func write(_ address: UInt64, size: Int, value: UInt64) -> MemoryFault? {
        if case .failure(let f) = base.read(address, size: size, forWrite: true) { return f }
        writes.append(Write(address: address, size: size, value: value))
        return nil
    }

    public mutating func fetch(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, fault: MemoryFault?) {
        let r = base.fetch(address, into: buffer)
        if !writes.isEmpty {
            for k in 0..<r.count {
                buffer[k] = UInt8(truncatingIfNeeded: overlay(address &+ UInt64(k), 1, UInt64(buffer[k])))
            }
        }
        return r
    }
}
