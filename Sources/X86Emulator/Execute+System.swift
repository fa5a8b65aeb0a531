import X86Decoder

/// CPUID RDTSC RDTSCP RDRAND RDSEED RDPID (answered by the environment's hooks), and the cache
/// line instructions that fault like a load (CLFLUSH CLFLUSHOPT CLWB).
///
/// RDRAND/RDSEED: CF = 1 with a value, CF = 0 and destination 0 when the hook has none;
/// OF SF ZF AF PF cleared. The others change no flag. Privileged and I/O instructions are #GP(0)
/// (dispatcher); the results of these hooks are not comparable with the CPU's, and the harness
/// compares them on exception class only.
extension Emulator {
    @inlinable mutating func environmentOp(_ i: Instruction, _ op: Op) throws(Stop) {
        switch op {
        case .cpuid:
            let (a, b, c, d) = environment.cpuid(UInt32(truncatingIfNeeded: state.gpr[0]), UInt32(truncatingIfNeeded: state.gpr[1]))
            state.gpr[0] = UInt64(a)
            state.gpr[3] = UInt64(b)
            state.gpr[1] = UInt64(c)
            state.gpr[2] = UInt64(d)
        case .rdtsc, .rdtscp:
            let t = environment.rdtsc()
            state.gpr[0] = t & 0xFFFF_FFFF
            state.gpr[2] = t >> 32
            if op == .rdtscp { state.gpr[1] = UInt64(environment.tscAux) }
        case .rdpid:
            guard case .register(let r) = i.operand(at: 0) else { throw .exception(.ud) }
            state.write(r, UInt64(environment.tscAux))
        default:  // rdrand, rdseed
            guard case .register(let r) = i.operand(at: 0) else { throw .exception(.ud) }
            let value = op == .rdrand ? environment.rdrand(r.size) : environment.rdseed(r.size)
            state.write(r, value ?? 0)
            setStatus(value == nil ? 0 : RFlags.carry)
        }
    }

    /// CLFLUSH/CLFLUSHOPT/CLWB: checked as a one-byte read of the operand, no effect.
    @inlinable mutating func touch(_ i: Instruction) throws(Stop) {
        guard case .memory(let m) = i.operand(at: 0) else { throw .exception(.ud) }
        let a = linearAddress(m, i)
        try checkCanonical(a, 1, stack: isStack(m))
        if case .failure(let f) = bus.read(a, size: 1, forWrite: false) {
            throw .exception(.pageFault(f.address, present: f.present))
        }
    }
}
