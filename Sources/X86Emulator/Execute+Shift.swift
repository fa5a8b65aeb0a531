import X86Decoder

/// SHL/SAL SHR SAR ROL ROR RCL RCR (by 1, CL, imm8), SHLD SHRD, SARX SHLX SHRX RORX.
///
/// The count is masked to 5 bits (6 with a 64-bit operand). A masked count of 0 changes
/// nothing, flags included. RCL/RCR of 8/16-bit operands rotate through CF modulo 9/17.
/// Defined: shifts set CF (last bit out), SF ZF PF; OF for a count of 1 (SHL: MSB(result) xor
/// CF; SHR: MSB(original); SAR: 0). Rotates change only CF and OF (OF defined for a count of 1:
/// ROL/RCL MSB(result) xor CF; ROR/RCR the xor of the two top bits of the result).
/// Undefined, and what the profiles do (see `shiftUndefined`):
/// - AF after a shift or SHLD/SHRD by a non-zero count: amd sets it (measured), intel clears it;
/// - OF for counts > 1: amd computes SHL's with the count-1 formula (MSB(result) xor CF) and
///   clears SHR's (measured exhaustively on 8-bit); intel likewise;
/// - CF of SHL/SHR when the count ≥ the operand width (8/16-bit): the bit shifted out of the
///   infinite-precision operation, i.e. 0 (measured on amd).
/// A masked count of 0 with a 32-bit register destination still zero-extends it (measured).
/// SHLD/SHRD of 16-bit operands with a count ≥ 16 are undefined (AMD's results follow no model
/// found yet) and reported `unsupported` rather than guessed. The VEX forms change no flag.
extension Emulator {
    @inlinable mutating func shift(_ i: Instruction, _ kind: UInt8) throws(Stop) {
        let dst = i.operand(at: 0)
        let size = self.size(of: dst)
        let bits = Width.bits(size)
        let m = Width.mask(size)
        let signBit = Width.sign(size)
        let count = try read(i.operand(at: 1), i) & (size == 8 ? 63 : 31)
        let (loc, a) = try readDestination(dst, i)
        if count == 0 {
            if size == 4, let r = loc.register { state.write(r, a) }  // still zero-extends (measured)
            return
        }
        let c = count
        var r: UInt64 = 0
        var f = state.rflags
        var carry = false
        switch kind {
        case 0, 1:  // ROL, ROR
            let n = c % bits
            if kind == 0 {
                r = n == 0 ? a : ((a << n) | (a >> (bits - n))) & m
                carry = r & 1 != 0
                f = f & ~(RFlags.carry | RFlags.overflow) | (carry ? RFlags.carry : 0)
                if (r & signBit != 0) != carry { f |= RFlags.overflow }
            } else {
                r = n == 0 ? a : ((a >> n) | (a << (bits - n))) & m
                carry = r & signBit != 0
                f = f & ~(RFlags.carry | RFlags.overflow) | (carry ? RFlags.carry : 0)
                if (r & signBit != 0) != (r & (signBit >> 1) != 0) { f |= RFlags.overflow }
            }
        case 2, 3:  // RCL, RCR: rotate (CF:a), bits+1 wide, one bit at a time
            let n = c % (bits + 1)
            var cfIn: UInt64 = cf ? 1 : 0
            var v = a
            for _ in 0..<n {
                if kind == 2 {
                    let out = (v >> (bits - 1)) & 1
                    v = (v << 1 | cfIn) & m
                    cfIn = out
                } else {
                    let out = v & 1
                    v = v >> 1 | cfIn << (bits - 1)
                    cfIn = out
                }
            }
            r = v
            carry = cfIn != 0
            f = f & ~(RFlags.carry | RFlags.overflow) | (carry ? RFlags.carry : 0)
            if kind == 2 {
                if (r & signBit != 0) != carry { f |= RFlags.overflow }
            } else if (r & signBit != 0) != (r & (signBit >> 1) != 0) {
                f |= RFlags.overflow
            }
        default:  // SHL/SAL (4, 6), SHR (5), SAR (7)
            if kind == 5 {
                r = c >= 64 ? 0 : a >> c
                carry = c <= 64 && (a >> (c - 1)) & 1 != 0
            } else if kind == 7 {
                let sa = Int64(bitPattern: Width.signExtend(a, size))
                r = UInt64(bitPattern: sa >> Int64(min(c, 63))) & m
                carry = (sa >> Int64(min(c - 1, 63))) & 1 != 0
            } else {
                r = c >= 64 ? 0 : (a << c) & m
                carry = c <= bits && (a >> (bits - c)) & 1 != 0
            }
            f = f & ~RFlags.status | RFlags.szp(r, size: size) | (carry ? RFlags.carry : 0)
            let of: Bool
            switch kind {
            case 5: of = c == 1 ? a & signBit != 0 : shiftOverflowUndefined(a: a, r: r, carry: carry, kind: kind, size: size)
            case 7: of = false
            default: of = (r & signBit != 0) != carry
            }
            if of { f |= RFlags.overflow }
            f |= shiftAdjustUndefined(a: a, r: r, count: c)
        }
        try write(loc, r, old: a, locked: false)
        state.rflags = f
    }

    /// OF of SHR for counts > 1 (undefined by the SDM).
    @inlinable func shiftOverflowUndefined(a: UInt64, r: UInt64, carry: Bool, kind: UInt8, size: Int) -> Bool {
        false
    }

    /// AF after a shift by a non-zero count (undefined by the SDM).
    @inlinable func shiftAdjustUndefined(a: UInt64, r: UInt64, count: UInt64) -> UInt64 { amd ? RFlags.adjust : 0 }

    /// SHLD/SHRD dst, src, count.
    @inlinable mutating func doubleShift(_ i: Instruction, left: Bool) throws(Stop) {
        let dst = i.operand(at: 0)
        let size = self.size(of: dst)
        let bits = Width.bits(size)
        let m = Width.mask(size)
        let b = try read(i.operand(at: 1), i) & m
        let count = try read(i.operand(at: 2), i) & (size == 8 ? 63 : 31)
        let (loc, a) = try readDestination(dst, i)
        if count == 0 {
            if size == 4, let r = loc.register { state.write(r, a) }
            return
        }
        if count >= bits && size == 2 { throw .unsupported("\(i.mnemonic): 16-bit count \(count) ≥ 16 (undefined)") }
        let c = count
        let r: UInt64
        let carry: Bool
        if left {
            r = c == bits ? b : ((a << c) | (b >> (bits - c))) & m
            carry = (a >> (bits - c)) & 1 != 0
        } else {
            r = c == bits ? b : ((a >> c) | (b << (bits - c))) & m
            carry = (a >> (c - 1)) & 1 != 0
        }
        var f = RFlags.szp(r, size: size) | (carry ? RFlags.carry : 0)
        let signBit = Width.sign(size)
        // OF: defined for a count of 1 (sign change); for larger counts amd follows the same
        // formulas as SHL/SHR (measured): SHLD MSB(r) xor CF, SHRD the xor of the top two bits.
        let of = left ? (r & signBit != 0) != carry : (r & signBit != 0) != (r & (signBit >> 1) != 0)
        if of { f |= RFlags.overflow }
        if amd { f |= RFlags.adjust }
        try write(loc, r)
        setStatus(f)
    }

    /// SARX SHLX SHRX (count from vvvv, masked) and RORX (imm8); no flags.
    @inlinable mutating func shiftx(_ i: Instruction, _ kind: UInt8) throws(Stop) {
        guard case .register(let d) = i.operand(at: 0) else { throw .exception(.ud) }
        let size = d.size
        let bits = Width.bits(size)
        let a = try read(i.operand(at: 1), i)
        let c = try read(i.operand(at: 2), i) & (bits - 1)
        let r: UInt64
        switch kind {
        case 0: r = UInt64(bitPattern: Int64(bitPattern: Width.signExtend(a, size)) >> Int64(c))
        case 1: r = a << c
        case 2: r = a >> c
        default: r = c == 0 ? a : (a >> c) | (a << (bits - c))
        }
        state.write(d, r & Width.mask(size))
    }
}
