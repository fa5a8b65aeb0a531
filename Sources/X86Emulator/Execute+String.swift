import X86Decoder

/// MOVS CMPS SCAS LODS STOS (all sizes), with REP (F3, or F2 on MOVS/LODS/STOS) and
/// REPE/REPNE on CMPS/SCAS, DF, and 67 (RSI/RDI/RCX become ESI/EDI/ECX, writes zero-extend).
///
/// Flags: CMPS/SCAS set the six status flags as CMP (source − destination for CMPS, rAX −
/// [rDI] for SCAS); the others change none. A REP with a count of 0 changes nothing.
/// Each iteration commits its register updates before the next begins, so a fault in
/// iteration k leaves RCX/RSI/RDI as the CPU does (RIP at the instruction). CMPS reads
/// ES:[rDI] before [rSI] (the #PF address when both fault; measured on AMD, not on Intel). After
/// `repIterationsPerStep` iterations the step ends with RIP still on the instruction.
/// The SSE mnemonics that share the names `movsd`/`cmpsd` (F2 0F 10 / F2 0F C2) are not strings:
/// `unsupported`.
extension Emulator {
    @inlinable mutating func string(_ i: Instruction, _ op: Op, size: Int) throws(Stop) {
        guard i.map == .legacy else { throw .unsupported("\(i.mnemonic): SSE form not emulated") }
        let a32 = i.addressSize == 32
        let amask: UInt64 = a32 ? 0xFFFF_FFFF : ~0
        let rep = i.repPrefix != 0
        let step = state.rflags & RFlags.direction != 0 ? 0 &- UInt64(size) : UInt64(size)
        var sourceBase: UInt64 = 0
        if op == .movs || op == .cmps || op == .lods {
            let src = op == .cmps ? i.operand(at: 0) : i.operand(at: 1)
            if case .memory(let m) = src { sourceBase = segmentBase(m.segment) }
        }
        var iterations = 0
        while true {
            if rep {
                if state.gpr[1] & amask == 0 { return }
                if iterations == repIterationsPerStep {
                    nextRIP = state.rip
                    return
                }
            }
            let si = state.gpr[6] & amask, di = state.gpr[7] & amask
            var f: UInt64 = 0
            switch op {
            case .movs:
                let v = try load(sourceBase &+ si, size)
                try store(di, size, v)
                state.gpr[6] = (si &+ step) & amask
                state.gpr[7] = (di &+ step) & amask
            case .stos:
                try store(di, size, state.gpr[0])
                state.gpr[7] = (di &+ step) & amask
            case .lods:
                let v = try load(sourceBase &+ si, size)
                state.write(gpr: 0, size: size, v)
                state.gpr[6] = (si &+ step) & amask
            case .cmps:
                // ES:[rDI] is read first: with both operands unmapped the CPU reports the #PF
                // at rDI (measured on Zen 4: `66 a7` with RSI 0x80, RDI 0 faults at 0).
                let b = try load(di, size)
                let a = try load(sourceBase &+ si, size)
                f = FlagMath.sub(a, b, borrow: false, size: size).1
                setStatus(f)
                state.gpr[6] = (si &+ step) & amask
                state.gpr[7] = (di &+ step) & amask
            default:  // scas
                let b = try load(di, size)
                f = FlagMath.sub(state.gpr[0] & Width.mask(size), b, borrow: false, size: size).1
                setStatus(f)
                state.gpr[7] = (di &+ step) & amask
            }
            if !rep { return }
            state.gpr[1] = (state.gpr[1] &- 1) & amask
            iterations += 1
            if op == .cmps || op == .scas {
                let zf = f & RFlags.zero != 0
                if i.repPrefix == 0xF3 ? !zf : zf { return }
            }
        }
    }
}
