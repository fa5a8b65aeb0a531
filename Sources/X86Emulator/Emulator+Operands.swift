import X86Decoder

/// Where a destination lives: a register, or memory at a linear address.
@usableFromInline struct Location {
    @usableFromInline var register: Register?
    @usableFromInline var address: UInt64
    @usableFromInline var size: Int
    @usableFromInline var stack: Bool

    @inlinable init(register: Register?, address: UInt64, size: Int, stack: Bool) {
        self.register = register
        self.address = address
        self.size = size
        self.stack = stack
    }
}

/// Operand access: effective addresses, segmentation (FS/GS bases; the others are flat in
/// 64-bit mode), canonical checks (#GP(0), #SS(0) for SS-based accesses), alignment checks
/// (#AC when EFLAGS.AC and CR0.AM), and bus faults as #PF with the error code.
///
/// Fault priority for one access: canonical (#GP/#SS), then #PF, then #AC (SDM table 6-2 lists
/// #PF before #AC among the faults of an executing instruction).
extension Emulator {
    /// The effective address (before the segment base), wrapped to the address size.
    @inlinable func effectiveAddress(_ m: MemoryOperand, addressSize: Int) -> UInt64 {
        var ea = UInt64(bitPattern: m.displacement)
        if let base = m.base {
            ea &+= base.regClass == .ip ? nextRIP : state.read(base)
        }
        if let index = m.index { ea &+= state.read(index) &* UInt64(m.scale) }
        return addressSize == 64 ? ea : addressSize == 32 ? ea & 0xFFFF_FFFF : ea & 0xFFFF
    }

    @inlinable func segmentBase(_ segment: Register) -> UInt64 {
        segment.number == 4 ? state.fsBase : segment.number == 5 ? state.gsBase : 0
    }

    /// The linear address of a memory operand.
    @inlinable func linearAddress(_ m: MemoryOperand, _ i: Instruction) -> UInt64 {
        effectiveAddress(m, addressSize: i.addressSize) &+ segmentBase(m.segment)
    }

    @inlinable func checkCanonical(_ a: UInt64, _ size: Int, stack: Bool) throws(Stop) {
        if !Self.isCanonical(a) || !Self.isCanonical(a &+ UInt64(max(size, 1) - 1)) {
            throw .exception(stack ? .ss0 : .gp0)
        }
    }

    @inlinable func misaligned(_ a: UInt64, _ size: Int) -> Bool {
        alignmentCheckEnabled && state.rflags & RFlags.alignmentCheck != 0 && size > 1 && a & UInt64(min(size, 16) - 1) != 0
    }

    /// Reads `size` (1–8) bytes at a linear address.
    @inlinable mutating func load(_ a: UInt64, _ size: Int, stack: Bool = false, forWrite: Bool = false) throws(Stop) -> UInt64 {
        try checkCanonical(a, size, stack: stack)
        switch bus.read(a, size: size, forWrite: forWrite) {
        case .success(let v):
            if misaligned(a, size) { throw .exception(.ac0) }
            return v
        case .failure(let f): throw .exception(.pageFault(f.address, write: forWrite, present: f.present))
        }
    }

    /// Writes `size` (1–8) bytes at a linear address.
    @inlinable mutating func store(_ a: UInt64, _ size: Int, _ value: UInt64, stack: Bool = false) throws(Stop) {
        try checkCanonical(a, size, stack: stack)
        if misaligned(a, size) {
            if case .failure(let f) = bus.read(a, size: size, forWrite: true) {
                throw .exception(.pageFault(f.address, write: true, present: f.present))
            }
            throw .exception(.ac0)
        }
        if let f = bus.write(a, size: size, value: value & Width.mask(size)) {
            throw .exception(.pageFault(f.address, write: true, present: f.present))
        }
    }

    /// Checks that `size` bytes at `a` could be written (faults as a write would), without writing.
    @inlinable mutating func probeWrite(_ a: UInt64, _ size: Int, stack: Bool = false) throws(Stop) {
        _ = try load(a, size, stack: stack, forWrite: true)
    }

    @inlinable func isStack(_ m: MemoryOperand) -> Bool { m.segment.number == 2 }

    /// Operand size in bytes.
    @inlinable func size(of op: Operand) -> Int {
        switch op {
        case .register(let r): return r.size
        case .memory(let m): return Int(m.size)
        case .immediate(_, let s): return Int(s)
        default: return 8
        }
    }

    /// Reads an operand's value (zero-extended; immediates as the decoder extended them).
    @inlinable mutating func read(_ op: Operand, _ i: Instruction) throws(Stop) -> UInt64 {
        switch op {
        case .register(let r): return state.read(r)
        case .memory(let m): return try load(linearAddress(m, i), Int(m.size), stack: isStack(m))
        case .immediate(let v, _): return v
        case .relative(let t, _): return t
        case .farPointer: throw .exception(.ud)
        }
    }

    /// Resolves a destination and reads its current value (for read-modify-write).
    @inlinable mutating func readDestination(_ op: Operand, _ i: Instruction, rmw: Bool = true) throws(Stop) -> (Location, UInt64) {
        switch op {
        case .register(let r):
            return (Location(register: r, address: 0, size: r.size, stack: false), state.read(r))
        case .memory(let m):
            let a = linearAddress(m, i)
            let size = Int(m.size)
            let v = try load(a, size, stack: isStack(m), forWrite: rmw)
            return (Location(register: nil, address: a, size: size, stack: isStack(m)), v)
        default: throw .exception(.ud)
        }
    }

    /// The location of a write-only destination (no read).
    @inlinable func destination(_ op: Operand, _ i: Instruction) throws(Stop) -> Location {
        switch op {
        case .register(let r): return Location(register: r, address: 0, size: r.size, stack: false)
        case .memory(let m): return Location(register: nil, address: linearAddress(m, i), size: Int(m.size), stack: isStack(m))
        default: throw .exception(.ud)
        }
    }

    /// Writes a value to a location. With `locked` the memory write goes through the bus's
    /// compare-exchange against `old` (the value read), and a lost race retries the instruction.
    @inlinable mutating func write(_ loc: Location, _ value: UInt64, old: UInt64 = 0, locked: Bool = false) throws(Stop) {
        if let r = loc.register {
            state.write(r, value)
            return
        }
        if locked {
            try checkCanonical(loc.address, loc.size, stack: loc.stack)
            switch bus.compareExchange(loc.address, size: loc.size, expected: old, new: value & Width.mask(loc.size)) {
            case .success(let seen): if seen != old { throw .retry }
            case .failure(let f): throw .exception(.pageFault(f.address, write: true, present: f.present))
            }
            return
        }
        try store(loc.address, loc.size, value, stack: loc.stack)
    }

    // MARK: Stack

    /// Pushes `size` bytes (2 or 8); RSP changes only if the write succeeds.
    @inlinable mutating func push(_ value: UInt64, size: Int) throws(Stop) {
        let sp = state.gpr[4] &- UInt64(size)
        try store(sp, size, value, stack: true)
        state.gpr[4] = sp
    }

    /// Reads the top of the stack without popping.
    @inlinable mutating func peek(size: Int, offset: UInt64 = 0) throws(Stop) -> UInt64 {
        try load(state.gpr[4] &+ offset, size, stack: true)
    }

    // MARK: Flags

    @inlinable mutating func setStatus(_ flags: UInt64, mask: UInt64 = RFlags.status) {
        state.rflags = state.rflags & ~mask | flags & mask
    }

    @inlinable var cf: Bool { state.rflags & RFlags.carry != 0 }
    @inlinable var amd: Bool { environment.profile == .amd }

    /// Condition code `cc` (0–15, the encoding order) on the current flags.
    @inlinable func condition(_ cc: UInt8) -> Bool {
        let f = state.rflags
        let r: Bool
        switch cc >> 1 {
        case 0: r = f & RFlags.overflow != 0
        case 1: r = f & RFlags.carry != 0
        case 2: r = f & RFlags.zero != 0
        case 3: r = f & (RFlags.carry | RFlags.zero) != 0
        case 4: r = f & RFlags.sign != 0
        case 5: r = f & RFlags.parity != 0
        case 6: r = (f & RFlags.sign != 0) != (f & RFlags.overflow != 0)
        default: r = f & RFlags.zero != 0 || (f & RFlags.sign != 0) != (f & RFlags.overflow != 0)
        }
        return cc & 1 == 0 ? r : !r
    }
}
