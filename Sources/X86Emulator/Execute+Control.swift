import X86Decoder

/// JMP, CALL, RET, Jcc, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ/JRCXZ, INT3, INT n, INT1, UD0/1/2.
///
/// No flag changes. Near branches with 66 (the decoder applies the vendor rule): on amd the
/// operand size is 16 — targets are truncated to 16 bits, CALL pushes and RET pops 2 bytes.
/// A non-canonical target is #GP(0) at the branch, before any push. LOOP/JrCXZ count with RCX,
/// or ECX with 67 (a 32-bit count write zero-extends RCX). INT n: vectors with a DPL3 gate in
/// the profile (3: #BP trap; 0x80: the system-call outcome); others #GP((n << 3) | 2).
extension Emulator {
    @inlinable mutating func jump(to target: UInt64, _ i: Instruction) throws(Stop) {
        let t = i.operandSize == 16 ? target & 0xFFFF : i.operandSize == 32 ? target & 0xFFFF_FFFF : target
        if !Self.isCanonical(t) { throw .exception(.gp0) }
        nextRIP = t
    }

    @inlinable mutating func jmpOp(_ i: Instruction) throws(Stop) {
        let op = i.operand(at: 0)
        if case .memory(let m) = op, Int(m.size) != i.operandSize / 8 {
            throw .unsupported("far jmp: not emulated")
        }
        try jump(to: read(op, i), i)
    }

    @inlinable mutating func callOp(_ i: Instruction) throws(Stop) {
        let op = i.operand(at: 0)
        if case .memory(let m) = op, Int(m.size) != i.operandSize / 8 {
            throw .unsupported("far call: not emulated")
        }
        let size = i.operandSize / 8
        let target = try read(op, i)
        let returnAddress = nextRIP
        try jump(to: target, i)
        try push(returnAddress & Width.mask(size), size: size)
    }

    @inlinable mutating func ret(_ i: Instruction) throws(Stop) {
        if i.opcode == 0xCA || i.opcode == 0xCB { throw .unsupported("far ret: not emulated") }
        let size = i.operandSize / 8
        let target = try peek(size: size)
        let release = i.operandCount > 0 ? i.operand(at: 0).immediateValue & 0xFFFF : 0
        try jump(to: target, i)
        state.gpr[4] &+= UInt64(size) &+ release
    }

    /// The count register at the address size.
    @inlinable func counter(_ i: Instruction) -> UInt64 {
        i.addressSize == 32 ? state.gpr[1] & 0xFFFF_FFFF : state.gpr[1]
    }

    @inlinable mutating func loop(_ i: Instruction, _ kind: UInt8) throws(Stop) {
        let target = try read(i.operand(at: 0), i)
        let c = (counter(i) &- 1) & (i.addressSize == 32 ? 0xFFFF_FFFF : ~0)
        let zf = state.rflags & RFlags.zero != 0
        let taken = c != 0 && (kind == 0 || (kind == 1 ? zf : !zf))
        if taken { try jump(to: target, i) }
        state.gpr[1] = c
    }

    @inlinable mutating func softwareInterrupt(_ i: Instruction) throws(Stop) {
        let n = UInt8(truncatingIfNeeded: i.operand(at: 0).immediateValue)
        guard environment.descriptors.userVectors.contains(n) else {
            throw .exception(X86Exception(.GP, errorCode: UInt32(n) << 3 | 2))
        }
        if n == 3 { throw .exception(X86Exception(.BP)) }
        // Linux's gate 4 (overflow) is DPL 3: `cd 04` raises #OF as a trap (measured on Zen 4 by
        // the native oracle; the signal is SIGSEGV, the vector 4).
        if n == 4 { throw .exception(X86Exception(.OF)) }
        if n == 0x80 { throw .systemCall(.int80) }
        throw .unsupported("int \(n): user gate without a model")
    }

    @inlinable mutating func flagOp(_ v: UInt8) {
        switch v {
        case 0: state.rflags &= ~RFlags.carry
        case 1: state.rflags |= RFlags.carry
        case 2: state.rflags ^= RFlags.carry
        case 3: state.rflags &= ~RFlags.direction
        default: state.rflags |= RFlags.direction
        }
    }
}
