import X86Decoder

/// BT BTS BTR BTC, BSF BSR, TZCNT LZCNT POPCNT, CRC32.
///
/// BT*: CF = the bit; with a register bit offset and a memory operand the offset is signed and
/// selects the operand-sized unit at `ea + (offset >> log2(width)) * width/8`; an immediate or
/// a register destination takes the offset modulo the width. OF SF AF PF are undefined (both
/// profiles leave them unchanged, as ZF); see `bitTestUndefined`.
/// BSF/BSR: source 0 → ZF = 1 and the destination unchanged (AMD documents it; Intel does it);
/// otherwise ZF = 0. CF OF SF AF PF undefined (`bitScanUndefined`): amd clears CF OF SF AF and
/// sets PF from the result (measured); intel leaves them.
/// TZCNT/LZCNT: CF = (source == 0), ZF = (result == 0); OF SF AF PF undefined: amd keeps OF and
/// clears SF AF PF (measured); intel leaves them.
/// POPCNT: ZF = (source == 0), CF OF SF AF PF cleared. CRC32 (Castagnoli, reflected) changes no
/// flag.
extension Emulator {
    @inlinable mutating func bitTest(_ i: Instruction, _ kind: UInt8) throws(Stop) {
        let dst = i.operand(at: 0)
        let size = self.size(of: dst)
        let bits = Width.bits(size)
        let src = i.operand(at: 1)
        let offset = try read(src, i)
        var loc: Location
        var a: UInt64
        var bit: UInt64
        if case .memory(let m) = dst, case .register = src {
            let signed = Int64(bitPattern: Width.signExtend(offset, size))
            let unit = signed >> Int64(bits.trailingZeroBitCount)
            let address = linearAddress(m, i) &+ UInt64(bitPattern: unit &* Int64(size))
            let wrapped = i.addressSize == 32 ? (address &- segmentBase(m.segment)) & 0xFFFF_FFFF &+ segmentBase(m.segment) : address
            bit = UInt64(bitPattern: signed) & (bits - 1)
            loc = Location(register: nil, address: wrapped, size: size, stack: isStack(m))
            a = try load(wrapped, size, stack: loc.stack, forWrite: kind != 0)
        } else {
            bit = offset & (bits - 1)
            (loc, a) = try readDestination(dst, i, rmw: kind != 0)
        }
        let mask: UInt64 = 1 << bit
        let r: UInt64
        switch kind {
        case 1: r = a | mask
        case 2: r = a & ~mask
        case 3: r = a ^ mask
        default: r = a
        }
        if kind != 0 { try write(loc, r, old: a, locked: i.hasLock) }
        setStatus(a & mask != 0 ? RFlags.carry : 0, mask: RFlags.carry)
        setStatus(bitTestUndefined(), mask: RFlags.overflow | RFlags.sign | RFlags.adjust | RFlags.parity)
    }

    @inlinable func bitTestUndefined() -> UInt64 { state.rflags }

    @inlinable mutating func bitScan(_ i: Instruction, forward: Bool) throws(Stop) {
        guard case .register(let d) = i.operand(at: 0) else { throw .exception(.ud) }
        let size = d.size
        let v = try read(i.operand(at: 1), i) & Width.mask(size)
        if v == 0 {
            setStatus(RFlags.zero | bitScanUndefined(v, result: 0, size: size))
            return
        }
        let r = forward ? UInt64(v.trailingZeroBitCount) : UInt64(63 - v.leadingZeroBitCount)
        state.write(d, r)
        setStatus(bitScanUndefined(v, result: r, size: size))
    }

    /// CF OF SF AF PF after BSF/BSR (undefined by the SDM).
    @inlinable func bitScanUndefined(_ source: UInt64, result: UInt64, size: Int) -> UInt64 {
        if amd { return RFlags.pf(result) }
        return state.rflags & (RFlags.carry | RFlags.overflow | RFlags.sign | RFlags.adjust | RFlags.parity)
    }

    @inlinable mutating func count(_ i: Instruction, trailing: Bool) throws(Stop) {
        guard case .register(let d) = i.operand(at: 0) else { throw .exception(.ud) }
        let size = d.size
        let bits = Width.bits(size)
        let v = try read(i.operand(at: 1), i) & Width.mask(size)
        let r: UInt64
        if v == 0 {
            r = bits
        } else if trailing {
            r = UInt64(v.trailingZeroBitCount)
        } else {
            r = UInt64(v.leadingZeroBitCount) - (64 - bits)
        }
        state.write(d, r)
        let f = (v == 0 ? RFlags.carry : 0) | (r == 0 ? RFlags.zero : 0)
        setStatus(f | countUndefined(r, size: size))
    }

    /// OF SF AF PF after TZCNT/LZCNT (undefined by the SDM).
    @inlinable func countUndefined(_ r: UInt64, size: Int) -> UInt64 {
        if amd { return state.rflags & RFlags.overflow }
        return state.rflags & (RFlags.overflow | RFlags.sign | RFlags.adjust | RFlags.parity)
    }

    @inlinable mutating func popcnt(_ i: Instruction) throws(Stop) {
        guard case .register(let d) = i.operand(at: 0) else { throw .exception(.ud) }
        let v = try read(i.operand(at: 1), i) & Width.mask(d.size)
        state.write(d, UInt64(v.nonzeroBitCount))
        setStatus(v == 0 ? RFlags.zero : 0)
    }

    /// CRC32 r32/r64, r/m8/16/32/64: CRC-32C over the source bytes, low byte first.
    @inlinable mutating func crc32(_ i: Instruction) throws(Stop) {
        guard case .register(let d) = i.operand(at: 0) else { throw .exception(.ud) }
        let src = i.operand(at: 1)
        let n = size(of: src)
        let v = try read(src, i)
        var crc = UInt32(truncatingIfNeeded: state.read(d))
        for k in 0..<n {
            crc ^= UInt32(truncatingIfNeeded: v >> UInt64(8 * k)) & 0xFF
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        state.write(d, UInt64(crc))
    }
}
