import X86Decoder

/// PUSH, POP (registers, memory, immediates, FS/GS), PUSHF, POPF, ENTER, LEAVE.
///
/// Stack accesses use SS: a non-canonical stack address is #SS(0). RSP changes only when the
/// access succeeds. `pop [rsp+…]` computes its address with the incremented RSP (SDM POP).
/// PUSH FS/GS with a 64-bit operand size: amd writes the zero-extended selector (8 bytes);
/// intel writes only the low 2 bytes of the 8-byte slot (SDM PUSH note; modern Intel cores).
/// POPF at CPL3 with IOPL 0 writes CF PF AF ZF SF TF DF OF NT AC ID; IF, IOPL, VIF, VIP, VM and
/// RF stay. PUSHF stores RFLAGS with RF and VM clear. No status-flag changes otherwise.
extension Emulator {
    @inlinable var stackSize: Int { 8 }

    @inlinable mutating func pushOp(_ i: Instruction) throws(Stop) {
        let size = i.operandSize / 8
        let src = i.operand(at: 0)
        if case .register(let r) = src, r.regClass == .segment {
            let selector = state.read(r)
            if size == 8 && !amd {
                let sp = state.gpr[4] &- 8
                try probeWrite(sp, 8, stack: true)
                try store(sp, 2, selector, stack: true)
                state.gpr[4] = sp
                return
            }
            try push(selector, size: size)
            return
        }
        let v = try read(src, i)
        try push(v & Width.mask(size), size: size)
    }

    @inlinable mutating func popOp(_ i: Instruction) throws(Stop) {
        let size = i.operandSize / 8
        let v = try peek(size: size)
        let oldSP = state.gpr[4]
        switch i.operand(at: 0) {
        case .register(let r) where r.regClass == .segment:
            try loadSegment(Int(r.number), selector: UInt16(truncatingIfNeeded: v))
            state.gpr[4] = oldSP &+ UInt64(size)
        case .register(let r):
            state.gpr[4] = oldSP &+ UInt64(size)
            state.write(r, v)  // pop rsp: RSP = the value read
        case .memory(let m):
            state.gpr[4] = oldSP &+ UInt64(size)
            do throws(Stop) {
                try store(linearAddress(m, i), Int(m.size), v, stack: isStack(m))
            } catch {
                state.gpr[4] = oldSP
                throw error
            }
        default: throw .exception(.ud)
        }
    }

    @inlinable mutating func pushf(_ i: Instruction) throws(Stop) {
        let size = i.operandSize / 8
        let v = state.rflags & ~(RFlags.resume | RFlags.virtual8086)
        try push(v & Width.mask(size), size: size)
    }

    @inlinable mutating func popf(_ i: Instruction) throws(Stop) {
        let size = i.operandSize / 8
        let v = try peek(size: size)
        state.gpr[4] &+= UInt64(size)
        var mask = RFlags.popfWritableCPL3
        if size == 2 { mask &= 0xFFFF }
        state.rflags = (state.rflags & ~mask | v & mask) | RFlags.fixed
    }

    /// ENTER size, level (level mod 32): push rBP, copy level-1 frame pointers, push the new
    /// frame pointer, rBP = frame, rSP -= size. Registers change only if every write succeeds.
    @inlinable mutating func enter(_ i: Instruction) throws(Stop) {
        let size = i.operandSize / 8
        let allocation = i.operand(at: 0).immediateValue & 0xFFFF
        let level = Int(i.operand(at: 1).immediateValue & 31)
        // As the CPU: the pushes are written in order (a fault halfway leaves the earlier ones
        // written), then the new stack top is probed (measured on Zen 4 by the native oracle:
        // `c8 00 10 00` with an unmapped page below RBP's slot pushes RBP, then #PF(6) at the new
        // RSP). Registers change only when all of it succeeds.
        var sp = state.gpr[4] &- UInt64(size)
        try store(sp, size, state.gpr[5], stack: true)
        let frame = sp
        if level > 0 {
            var bp = state.gpr[5]
            if level > 1 {
                for _ in 1..<level {
                    bp &-= UInt64(size)
                    let v = try load(bp, size, stack: true)
                    sp &-= UInt64(size)
                    try store(sp, size, v, stack: true)
                }
            }
            sp &-= UInt64(size)
            try store(sp, size, frame, stack: true)
        }
        let newSP = sp &- allocation
        if allocation != 0 { try probeWrite(newSP, size, stack: true) }
        state.write(gpr: 5, size: size, frame)
        state.gpr[4] = newSP
    }

    /// LEAVE: rSP = rBP, then pop rBP.
    @inlinable mutating func leave(_ i: Instruction) throws(Stop) {
        let size = i.operandSize / 8
        let bp = state.gpr[5]
        let v = try load(bp, size, stack: true)
        state.gpr[4] = bp &+ UInt64(size)
        state.write(gpr: 5, size: size, v)
    }
}
