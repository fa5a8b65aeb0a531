import X86Decoder

/// ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT, XADD, CMPXCHG(8B/16B), ADCX ADOX.
///
/// Flags: all six status flags are defined by the arithmetic forms (see `FlagMath`); INC/DEC
/// leave CF; NOT changes none. The logic forms (AND OR XOR TEST) leave AF undefined: both
/// profiles clear it (AMD measured exhaustively on 8-bit operands by the CPU tests). CMPXCHG
/// sets flags as CMP; CMPXCHG8B/16B change only ZF; ADCX changes only CF, ADOX only OF.
extension Emulator {
    @inlinable mutating func alu(_ i: Instruction, _ kind: UInt8) throws(Stop) {
        let dst = i.operand(at: 0)
        let size = self.size(of: dst)
        let b = try read(i.operand(at: 1), i) & Width.mask(size)
        let writes = kind != 7 && kind != 8
        let (loc, a) = try readDestination(dst, i, rmw: writes)
        var r: UInt64
        var f: UInt64
        switch kind {
        case 0: (r, f) = FlagMath.add(a, b, carry: false, size: size)
        case 2: (r, f) = FlagMath.add(a, b, carry: cf, size: size)
        case 3: (r, f) = FlagMath.sub(a, b, borrow: cf, size: size)
        case 5, 7: (r, f) = FlagMath.sub(a, b, borrow: false, size: size)
        case 1: r = a | b; f = FlagMath.logic(r, size: size)
        case 6: r = a ^ b; f = FlagMath.logic(r, size: size)
        default: r = a & b; f = FlagMath.logic(r, size: size)  // and, test
        }
        if writes { try write(loc, r, old: a, locked: i.hasLock) }
        setStatus(f)
    }

    @inlinable mutating func incDec(_ i: Instruction, _ increment: Bool) throws(Stop) {
        let dst = i.operand(at: 0)
        let size = self.size(of: dst)
        let (loc, a) = try readDestination(dst, i)
        let (r, f) = increment ? FlagMath.add(a, 1, carry: false, size: size) : FlagMath.sub(a, 1, borrow: false, size: size)
        try write(loc, r, old: a, locked: i.hasLock)
        setStatus(f, mask: RFlags.status & ~RFlags.carry)
    }

    @inlinable mutating func neg(_ i: Instruction) throws(Stop) {
        let dst = i.operand(at: 0)
        let size = self.size(of: dst)
        let (loc, a) = try readDestination(dst, i)
        let (r, f) = FlagMath.sub(0, a, borrow: false, size: size)
        try write(loc, r, old: a, locked: i.hasLock)
        setStatus(f)
    }

    @inlinable mutating func not(_ i: Instruction) throws(Stop) {
        let (loc, a) = try readDestination(i.operand(at: 0), i)
        try write(loc, ~a & Width.mask(loc.size), old: a, locked: i.hasLock)
    }

    /// XADD: temp = dst + src; src = dst; dst = temp (the destination is written last, so
    /// `xadd eax, eax` leaves the sum).
    @inlinable mutating func xadd(_ i: Instruction) throws(Stop) {
        let dst = i.operand(at: 0)
        guard case .register(let srcReg) = i.operand(at: 1) else { throw .exception(.ud) }
        let size = self.size(of: dst)
        let b = state.read(srcReg)
        let (loc, a) = try readDestination(dst, i)
        let (r, f) = FlagMath.add(a, b, carry: false, size: size)
        if loc.register == nil {
            try write(loc, r, old: a, locked: i.hasLock)
            state.write(srcReg, a)
        } else {
            state.write(srcReg, a)
            try write(loc, r)
        }
        setStatus(f)
    }

    /// CMPXCHG: flags of CMP accumulator, dst. Equal: dst = src. Not equal: accumulator = dst,
    /// and a memory destination is written back with its own value (the CPU always writes).
    @inlinable mutating func cmpxchg(_ i: Instruction) throws(Stop) {
        let dst = i.operand(at: 0)
        let size = self.size(of: dst)
        guard case .register(let srcReg) = i.operand(at: 1) else { throw .exception(.ud) }
        let acc = Register.gpr(0, size: size, rex: true)
        let src = state.read(srcReg)
        let (loc, a) = try readDestination(dst, i)
        let (_, f) = FlagMath.sub(state.read(acc), a, borrow: false, size: size)
        if f & RFlags.zero != 0 {
            try write(loc, src, old: a, locked: i.hasLock)
        } else {
            if loc.register == nil { try write(loc, a, old: a, locked: i.hasLock) }
            state.write(acc, a)
        }
        setStatus(f)
    }

    /// CMPXCHG8B / CMPXCHG16B (16B: a misaligned operand is #GP(0) whatever AC says).
    @inlinable mutating func cmpxchgWide(_ i: Instruction) throws(Stop) {
        guard case .memory(let m) = i.operand(at: 0) else { throw .exception(.ud) }
        let a = linearAddress(m, i)
        let stack = isStack(m)
        if m.size == 16 {
            if a & 15 != 0 { throw .exception(.gp0) }
            try checkCanonical(a, 16, stack: stack)
            let lo = try load(a, 8, stack: stack, forWrite: true)
            let hi = try load(a &+ 8, 8, stack: stack, forWrite: true)
            let equal = lo == state.gpr[0] && hi == state.gpr[2]
            let (newLo, newHi) = equal ? (state.gpr[3], state.gpr[1]) : (lo, hi)
            try store(a, 8, newLo, stack: stack)
            try store(a &+ 8, 8, newHi, stack: stack)
            if !equal {
                state.gpr[0] = lo
                state.gpr[2] = hi
            }
            setStatus(equal ? RFlags.zero : 0, mask: RFlags.zero)
            return
        }
        let old = try load(a, 8, stack: stack, forWrite: true)
        let expected = state.gpr[2] << 32 | state.gpr[0] & 0xFFFF_FFFF
        let equal = old == expected
        let new = equal ? (state.gpr[1] << 32 | state.gpr[3] & 0xFFFF_FFFF) : old
        try write(Location(register: nil, address: a, size: 8, stack: stack), new, old: old, locked: i.hasLock)
        if !equal {
            state.gpr[0] = old & 0xFFFF_FFFF
            state.gpr[2] = old >> 32
        }
        setStatus(equal ? RFlags.zero : 0, mask: RFlags.zero)
    }

    /// ADCX (CF in and out) / ADOX (OF in and out); no other flag changes.
    @inlinable mutating func adx(_ i: Instruction, overflow: Bool) throws(Stop) {
        guard case .register(let d) = i.operand(at: 0) else { throw .exception(.ud) }
        let size = d.size
        let b = try read(i.operand(at: 1), i)
        let flag = overflow ? RFlags.overflow : RFlags.carry
        let (r, f) = FlagMath.add(state.read(d), b, carry: state.rflags & flag != 0, size: size)
        state.write(d, r)
        setStatus(f & RFlags.carry != 0 ? flag : 0, mask: flag)
    }
}
