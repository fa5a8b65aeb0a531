import X86Decoder

/// MOV (all forms, moffs, imm64, segment registers), MOVZX MOVSX MOVSXD, LEA, XCHG, BSWAP,
/// MOVBE, CMOVcc, SETcc, CBW…CQO, XLAT. No flag changes.
///
/// CMOVcc reads its source (and may fault) whatever the condition, and with a 32-bit operand
/// size writes (zero-extends) the destination even when the condition is false. MOV to CR/DR
/// is #GP(0) at CPL3. BSWAP with a 16-bit operand is undefined: both profiles write 0 to the
/// low word (the AMD host does).
extension Emulator {
    @inlinable mutating func mov(_ i: Instruction) throws(Stop) {
        let dst = i.operand(at: 0), src = i.operand(at: 1)
        if case .register(let r) = dst {
            switch r.regClass {
            case .control, .debug: throw .exception(.gp0)
            case .segment:
                try loadSegment(Int(r.number), selector: UInt16(truncatingIfNeeded: read(src, i)))
                return
            default: break
            }
        }
        if case .register(let r) = src, r.regClass == .control || r.regClass == .debug { throw .exception(.gp0) }
        var v = try read(src, i)
        if case .register(let r) = src, r.regClass == .segment, case .memory = dst {
            v &= 0xFFFF  // a selector stored to memory is always 16 bits
        }
        try write(destination(dst, i), v)
    }

    @inlinable mutating func extend(_ i: Instruction, signed: Bool) throws(Stop) {
        let src = i.operand(at: 1)
        let v = try read(src, i)
        let s = size(of: src)
        try write(destination(i.operand(at: 0), i), signed ? Width.signExtend(v, s) : v)
    }

    @inlinable mutating func lea(_ i: Instruction) throws(Stop) {
        guard case .memory(let m) = i.operand(at: 1), case .register(let r) = i.operand(at: 0) else { throw .exception(.ud) }
        state.write(r, effectiveAddress(m, addressSize: i.addressSize))
    }

    /// XCHG: a memory operand makes it a locked exchange (through compare-exchange).
    @inlinable mutating func xchg(_ i: Instruction) throws(Stop) {
        let a = i.operand(at: 0), b = i.operand(at: 1)
        if case .register(let ra) = a, case .register(let rb) = b {
            let va = state.read(ra), vb = state.read(rb)
            state.write(ra, vb)
            state.write(rb, va)
            return
        }
        let (memOp, regOp) = a.register == nil ? (a, b) : (b, a)
        guard let r = regOp.register else { throw .exception(.ud) }
        let (loc, old) = try readDestination(memOp, i)
        try write(loc, state.read(r), old: old, locked: true)
        state.write(r, old)
    }

    @inlinable mutating func bswap(_ i: Instruction) {
        guard case .register(let r) = i.operand(at: 0) else { return }
        let v = state.read(r)
        switch i.operandSize {
        case 64: state.write(r, v.byteSwapped)
        case 32: state.write(r, UInt64(UInt32(truncatingIfNeeded: v).byteSwapped))
        default: state.write(gpr: Int(r.number), size: 2, 0)
        }
    }

    @inlinable mutating func movbe(_ i: Instruction) throws(Stop) {
        let dst = i.operand(at: 0), src = i.operand(at: 1)
        let s = size(of: dst)
        let v = try read(src, i)
        let swapped: UInt64 = s == 8 ? v.byteSwapped : s == 4 ? UInt64(UInt32(truncatingIfNeeded: v).byteSwapped) : UInt64(UInt16(truncatingIfNeeded: v).byteSwapped)
        try write(destination(dst, i), swapped)
    }

    @inlinable mutating func cmov(_ i: Instruction, _ cc: UInt8) throws(Stop) {
        guard case .register(let r) = i.operand(at: 0) else { throw .exception(.ud) }
        let v = try read(i.operand(at: 1), i)
        if condition(cc) {
            state.write(r, v)
        } else if r.size == 4 {
            state.write(r, state.read(r))
        }
    }

    @inlinable mutating func setcc(_ i: Instruction, _ cc: UInt8) throws(Stop) {
        try write(destination(i.operand(at: 0), i), condition(cc) ? 1 : 0)
    }

    /// CBW CWDE CDQE (sign-extend the accumulator in place), CWD CDQ CQO (into rDX).
    @inlinable mutating func convert(_ v: UInt8) {
        let a = state.gpr[0]
        switch v {
        case 0: state.write(gpr: 0, size: 2, Width.signExtend(a & 0xFF, 1))
        case 1: state.write(gpr: 0, size: 4, Width.signExtend(a & 0xFFFF, 2))
        case 2: state.gpr[0] = Width.signExtend(a & 0xFFFF_FFFF, 4)
        case 3: state.write(gpr: 2, size: 2, a & 0x8000 != 0 ? 0xFFFF : 0)
        case 4: state.write(gpr: 2, size: 4, a & 0x8000_0000 != 0 ? 0xFFFF_FFFF : 0)
        default: state.gpr[2] = a >> 63 != 0 ? ~0 : 0
        }
    }

    /// XLAT: AL = [seg:rBX + AL] (rBX at the address size).
    @inlinable mutating func xlat(_ i: Instruction) throws(Stop) {
        let segment = i.segmentOverride ?? .ds
        var ea = state.gpr[3] &+ (state.gpr[0] & 0xFF)
        if i.addressSize == 32 { ea &= 0xFFFF_FFFF }
        let v = try load(ea &+ segmentBase(segment), 1)
        state.write(gpr: 0, size: 1, v)
    }
}
