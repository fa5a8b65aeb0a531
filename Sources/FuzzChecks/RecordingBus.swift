import X86Emulator

/// A pass-through bus that records every write that succeeded, in order, in the same form as
/// `WriteDiscardBus.writes`: what a normal step did, to compare with what write-discard
/// reports.
public struct RecordingBus<Base: Bus>: Bus {
    public var base: Base
    public private(set) var writes: [WriteDiscardBus<Base>.Write] = []

    public init(_ base: Base) { self.base = base }

    public mutating func read(_ address: UInt64, size: Int, forWrite: Bool) -> Result<UInt64, MemoryFault> {
        base.read(address, size: size, forWrite: forWrite)
    }

    public mutating func write(_ address: UInt64, size: Int, value: UInt64) -> MemoryFault? {
        if let f = base.write(address, size: size, value: value) { return f }
        writes.append(.init(address: address, size: size, value: value))
        return nil
    }

    public mutating func fetch(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, fault: MemoryFault?) {
        base.fetch(address, into: buffer)
    }
}
