import X86Decoder

/// MUL, IMUL (one, two and three operands), DIV, IDIV, MULX.
///
/// Defined: MUL/IMUL set CF = OF = "the high half is significant". Undefined: SF ZF AF PF after
/// MUL/IMUL; all six after DIV/IDIV. Profiles (see `undefinedAfterMultiply`/`Divide`):
/// - amd: measured on the AMD host by the CPU tests.
/// - intel: SF ZF PF from the low half of the result, AF cleared (QEMU/Bochs model of Intel);
///   DIV/IDIV leave the flags unchanged.
/// #DE: divisor 0, or a quotient that does not fit the destination (IDIV: signed range).
/// MULX changes no flag.
extension Emulator {
    @inlinable mutating func multiply(_ i: Instruction, signed: Bool) throws(Stop) {
        let count = i.operandCount
        let size = self.size(of: i.operand(at: 0))
        let m = Width.mask(size)
        let bits = Width.bits(size)
        let a: UInt64, b: UInt64
        if count == 1 {
            b = try read(i.operand(at: 0), i) & m
            a = state.gpr[0] & m
        } else if count == 2 {
            b = try read(i.operand(at: 1), i) & m
            a = state.read(i.operand(at: 0).register!)
        } else {
            a = try read(i.operand(at: 1), i) & m
            b = i.operand(at: 2).immediateValue & m
        }
        var lo: UInt64, hi: UInt64
        var significant: Bool
        if signed {
            let sa = Int64(bitPattern: Width.signExtend(a, size)), sb = Int64(bitPattern: Width.signExtend(b, size))
            let p = sa.multipliedFullWidth(by: sb)
            let full = (high: UInt64(bitPattern: p.high), low: p.low)
            if size == 8 {
                lo = full.low
                hi = full.high
                significant = hi != UInt64(bitPattern: Int64(bitPattern: lo) >> 63)
            } else {
                lo = full.low & m
                hi = (full.low >> bits) & m
                significant = full.low != Width.signExtend(lo, size)
            }
        } else {
            let p = a.multipliedFullWidth(by: b)
            if size == 8 {
                lo = p.low
                hi = p.high
            } else {
                lo = p.low & m
                hi = (p.low >> bits) & m
            }
            significant = hi != 0
        }
        if count == 1 {
            if size == 1 {
                state.write(gpr: 0, size: 2, hi << 8 | lo)
            } else {
                state.write(gpr: 0, size: size, lo)
                state.write(gpr: 2, size: size, hi)
            }
        } else {
            state.write(i.operand(at: 0).register!, lo)
        }
        let f: UInt64 = significant ? RFlags.carry | RFlags.overflow : 0
        setStatus(f | undefinedAfterMultiply(lo: lo, size: size))
    }

    /// SF ZF AF PF after MUL/IMUL (undefined by the SDM).
    @inlinable func undefinedAfterMultiply(lo: UInt64, size: Int) -> UInt64 {
        if amd { return state.rflags & (RFlags.zero | RFlags.sign | RFlags.adjust | RFlags.parity) }
        return RFlags.szp(lo, size: size) & (RFlags.sign | RFlags.zero | RFlags.parity)
    }

    @inlinable mutating func divide(_ i: Instruction, signed: Bool) throws(Stop) {
        let size = self.size(of: i.operand(at: 0))
        let m = Width.mask(size)
        let bits = Width.bits(size)
        let d = try read(i.operand(at: 0), i) & m
        if d == 0 { throw .exception(.de) }
        var hi: UInt64, lo: UInt64
        if size == 1 {
            let ax = state.gpr[0] & 0xFFFF
            hi = ax >> 8
            lo = ax & 0xFF
        } else {
            hi = state.gpr[2] & m
            lo = state.gpr[0] & m
        }
        var q: UInt64, r: UInt64
        if signed {
            // Magnitudes, unsigned division, then signs and the signed range check.
            let negDividend = hi & Width.sign(size) != 0
            let negDivisor = d & Width.sign(size) != 0
            var (mh, ml) = (hi, lo)
            if negDividend {
                ml = (~ml &+ 1) & m
                mh = (~mh &+ (ml == 0 ? 1 : 0)) & m
            }
            let md = negDivisor ? (~d &+ 1) & m : d
            guard let (uq, ur) = Self.divideWide(mh, ml, by: md, bits: bits) else { throw .exception(.de) }
            let negQuotient = negDividend != negDivisor
            let limit = Width.sign(size)  // |q| must be < limit, or == limit when negative
            if uq > limit || (uq == limit && !negQuotient) { throw .exception(.de) }
            q = (negQuotient ? ~uq &+ 1 : uq) & m
            r = (negDividend ? ~ur &+ 1 : ur) & m
        } else {
            guard let (uq, ur) = Self.divideWide(hi, lo, by: d, bits: bits) else { throw .exception(.de) }
            if uq > m { throw .exception(.de) }
            q = uq
            r = ur
        }
        if size == 1 {
            state.write(gpr: 0, size: 2, r << 8 | q)
        } else {
            state.write(gpr: 0, size: size, q)
            state.write(gpr: 2, size: size, r)
        }
        setStatus(undefinedAfterDivide())
    }

    /// Flags after DIV/IDIV (all undefined by the SDM).
    @inlinable func undefinedAfterDivide() -> UInt64 {
        if amd { return state.rflags & (RFlags.carry | RFlags.overflow) | RFlags.adjust }
        return state.rflags
    }

    /// (hi:lo) / d for `bits`-wide halves; nil when the quotient does not fit 64 bits.
    @inlinable static func divideWide(_ hi: UInt64, _ lo: UInt64, by d: UInt64, bits: UInt64) -> (UInt64, UInt64)? {
        if bits == 64 {
            if hi >= d { return nil }
            let (q, r) = d.dividingFullWidth((high: hi, low: lo))
            return (q, r)
        }
        let n = hi << bits | lo
        return (n / d, n % d)
    }

    /// MULX: hi:lo = EDX/RDX * src; the first operand gets the high half, the second (vvvv) the
    /// low half; when both name one register it ends up with the high half.
    @inlinable mutating func mulx(_ i: Instruction) throws(Stop) {
        guard case .register(let hiReg) = i.operand(at: 0), case .register(let loReg) = i.operand(at: 1) else { throw .exception(.ud) }
        let size = hiReg.size
        let b = try read(i.operand(at: 2), i)
        let a = state.gpr[2] & Width.mask(size)
        let p = a.multipliedFullWidth(by: b)
        let (hi, lo) = size == 8 ? (p.high, p.low) : (p.low >> 32, p.low & 0xFFFF_FFFF)
        state.write(loReg, lo)
        state.write(hiReg, hi)
    }
}

extension Operand {
    @inlinable var register: Register? {
        if case .register(let r) = self { return r }
        return nil
    }
    @inlinable var immediateValue: UInt64 {
        if case .immediate(let v, _) = self { return v }
        return 0
    }
}
