/// A fault the memory reports: the faulting linear address and whether the page was present
/// (a protection fault) — the emulator turns it into #PF with the right error code.
public struct MemoryFault: Hashable, Sendable, Error {
    public var address: UInt64
    public var present: Bool

    public init(address: UInt64, present: Bool = false) {
        self.address = address
        self.present = present
    }
}

/// How the emulator reaches memory: linear addresses (segmentation and canonical checks are
/// done by the emulator), sizes 1, 2, 4 or 8 bytes, little-endian values, faults as values.
///
/// The emulator is generic over its bus, so calls are statically dispatched. Observation hooks
/// (recording writes, counting) are adapters that wrap another bus; see `WriteDiscardBus`.
public protocol Bus {
    /// Reads `size` bytes. `forWrite` is true for the read half of a read-modify-write (the CPU
    /// checks write permission there, and a not-present fault reports W=1).
    mutating func read(_ address: UInt64, size: Int, forWrite: Bool) -> Result<UInt64, MemoryFault>
    /// Writes the low `size` bytes of `value`.
    mutating func write(_ address: UInt64, size: Int, value: UInt64) -> MemoryFault?
    /// Copies up to `buffer.count` instruction bytes from `address` into `buffer`; returns how
    /// many were available before the first fault, and that fault (nil if all were copied).
    mutating func fetch(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, fault: MemoryFault?)
    /// The LOCKed read-modify-write path: stores `new` only if memory still holds `expected`,
    /// and returns what it held. A bus shared between threads makes this atomic; the default
    /// (read, compare, write) is right for a bus that only one emulator uses.
    mutating func compareExchange(_ address: UInt64, size: Int, expected: UInt64, new: UInt64) -> Result<UInt64, MemoryFault>
}

extension Bus {
    public mutating func compareExchange(_ address: UInt64, size: Int, expected: UInt64, new: UInt64) -> Result<UInt64, MemoryFault> {
        switch read(address, size: size, forWrite: true) {
        case .failure(let f): return .failure(f)
        case .success(let old):
            if old == expected, let f = write(address, size: size, value: new) { return .failure(f) }
            return .success(old)
        }
    }

    /// Fetch built on byte reads, for buses that have no faster path.
    public mutating func fetchByBytes(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, fault: MemoryFault?) {
        for i in 0..<buffer.count {
            switch read(address &+ UInt64(i), size: 1, forWrite: false) {
            case .success(let b): buffer[i] = UInt8(truncatingIfNeeded: b)
            case .failure(let f): return (i, f)
            }
        }
        return (buffer.count, nil)
    }
}
