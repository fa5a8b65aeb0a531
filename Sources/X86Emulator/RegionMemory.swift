/// A bus over a few byte regions (the state file's `memory` list): any access that touches a
/// byte outside every region is a not-present #PF at the first such byte. Regions are byte
/// granular; a page-granular view (what the CPU and Unicorn see) is the caller's choice of
/// regions.
public struct RegionMemory: Bus, Sendable {
    public struct Region: Sendable, Equatable {
        public var address: UInt64
        public var bytes: [UInt8]
        public init(address: UInt64, bytes: [UInt8]) {
            self.address = address
            self.bytes = bytes
        }
        @inline(__always) func contains(_ a: UInt64, _ n: Int) -> Bool {
            a >= address && a &- address <= UInt64(bytes.count) && UInt64(bytes.count) &- (a &- address) >= UInt64(n)
        }
    }

    public private(set) var regions: [Region]

    public init(_ regions: [Region] = []) { self.regions = regions }

    public mutating func map(_ address: UInt64, _ bytes: [UInt8]) { regions.append(Region(address: address, bytes: bytes)) }

    @inline(__always) func regionIndex(_ a: UInt64, _ n: Int) -> Int? {
        for i in regions.indices where regions[i].contains(a, n) { return i }
        return nil
    }

    public func byte(at a: UInt64) -> UInt8? {
        guard let i = regionIndex(a, 1) else { return nil }
        return regions[i].bytes[Int(a &- regions[i].address)]
    }

    public mutating func read(_ address: UInt64, size: Int, forWrite: Bool) -> Result<UInt64, MemoryFault> {
        if let i = regionIndex(address, size) {
            let offset = Int(address &- regions[i].address)
            var v: UInt64 = 0
            regions[i].bytes.withUnsafeBytes { b in
                for k in 0..<size { v |= UInt64(b[offset + k]) << UInt64(8 * k) }
            }
            return .success(v)
        }
        var v: UInt64 = 0
        for k in 0..<size {
            guard let b = byte(at: address &+ UInt64(k)) else { return .failure(MemoryFault(address: address &+ UInt64(k))) }
            v |= UInt64(b) << UInt64(8 * k)
        }
        return .success(v)
    }

    public mutating func write(_ address: UInt64, size: Int, value: UInt64) -> MemoryFault? {
        for k in 0..<size where regionIndex(address &+ UInt64(k), 1) == nil {
            return MemoryFault(address: address &+ UInt64(k))
        }
        for k in 0..<size {
            let a = address &+ UInt64(k)
            let i = regionIndex(a, 1)!
            regions[i].bytes[Int(a &- regions[i].address)] = UInt8(truncatingIfNeeded: value >> UInt64(8 * k))
        }
        return nil
    }

    public mutating func fetch(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, fault: MemoryFault?) {
        for k in 0..<buffer.count {
            guard let b = byte(at: address &+ UInt64(k)) else { return (k, MemoryFault(address: address &+ UInt64(k))) }
            buffer[k] = b
        }
        return (buffer.count, nil)
    }
}
