import X86Decoder

/// BMI1/BMI2 general-purpose forms: ANDN BEXTR BLSI BLSMSK BLSR BZHI PDEP PEXT (MULX and the
/// shift forms are elsewhere).
///
/// Defined (SDM): ANDN SF ZF, CF = OF = 0. BEXTR ZF, CF = OF = 0. BLSI SF ZF, CF = (src ≠ 0),
/// OF = 0. BLSMSK SF, ZF = 0, CF = (src = 0), OF = 0. BLSR SF ZF, CF = (src = 0), OF = 0.
/// BZHI SF ZF, CF = (index ≥ width), OF = 0. PDEP/PEXT change no flag.
/// Undefined: AF PF everywhere, and SF after BEXTR (`bmiUndefined`). amd (measured): PF from the
/// result, AF clear (set after BEXTR), SF clear after BEXTR. intel: cleared.
extension Emulator {
    @inlinable mutating func bmi(_ i: Instruction, _ kind: UInt8) throws(Stop) {
        guard case .register(let d) = i.operand(at: 0) else { throw .exception(.ud) }
        let size = d.size
        let m = Width.mask(size)
        let bits = Width.bits(size)
        let s1 = try read(i.operand(at: 1), i) & m
        let s2 = i.operandCount > 2 ? try read(i.operand(at: 2), i) & m : 0
        var r: UInt64
        var f: UInt64 = 0
        let zs = { (r: UInt64) -> UInt64 in (r == 0 ? RFlags.zero : 0) | (r & Width.sign(size) != 0 ? RFlags.sign : 0) }
        switch kind {
        case 0:  // andn d, s1, s2: ~s1 & s2
            r = ~s1 & s2 & m
            f = zs(r)
        case 1:  // bextr d, src, control
            let start = s2 & 0xFF, len = (s2 >> 8) & 0xFF
            r = start >= 64 ? 0 : s1 >> start
            if len < 64 { r &= (1 << len) &- 1 }
            r &= m
            f = r == 0 ? RFlags.zero : 0
        case 2:  // blsi d, src (operand 1)
            r = s1 & (0 &- s1) & m
            f = zs(r) | (s1 != 0 ? RFlags.carry : 0)
        case 3:  // blsmsk
            r = (s1 ^ (s1 &- 1)) & m
            f = (r & Width.sign(size) != 0 ? RFlags.sign : 0) | (s1 == 0 ? RFlags.carry : 0)
        case 4:  // blsr
            r = (s1 & (s1 &- 1)) & m
            f = zs(r) | (s1 == 0 ? RFlags.carry : 0)
        case 5:  // bzhi d, src, index
            let n = s2 & 0xFF
            r = n >= bits ? s1 : s1 & ((1 << n) &- 1)
            f = zs(r) | (n > bits - 1 ? RFlags.carry : 0)
        case 6:  // pdep d, s1, mask
            r = Self.deposit(s1, mask: s2)
            state.write(d, r)
            return
        default:  // pext
            r = Self.extract(s1, mask: s2)
            state.write(d, r)
            return
        }
        state.write(d, r)
        setStatus(f | bmiUndefined(r, size: size, kind: kind))
    }

    /// AF PF (and SF for BEXTR) after the flag-setting BMI forms (undefined by the SDM).
    @inlinable func bmiUndefined(_ r: UInt64, size: Int, kind: UInt8) -> UInt64 {
        guard amd else { return 0 }
        return RFlags.pf(r) | (kind == 1 ? RFlags.adjust : 0)
    }

    @inlinable static func deposit(_ v: UInt64, mask: UInt64) -> UInt64 {
        var r: UInt64 = 0, m = mask, k: UInt64 = 0
        while m != 0 {
            let low = m & (0 &- m)
            if (v >> k) & 1 != 0 { r |= low }
            m &= m &- 1
            k += 1
        }
        return r
    }

    @inlinable static func extract(_ v: UInt64, mask: UInt64) -> UInt64 {
        var r: UInt64 = 0, m = mask, k: UInt64 = 0
        while m != 0 {
            let low = m & (0 &- m)
            if v & low != 0 { r |= 1 << k }
            m &= m &- 1
            k += 1
        }
        return r
    }
}
