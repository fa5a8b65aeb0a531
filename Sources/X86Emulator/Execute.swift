import X86Decoder

/// The dispatcher: one switch over the handler families; each family lives in its own
/// `Execute+Family.swift` with the flags it defines and leaves undefined documented at the top.
extension Emulator {
    @inlinable mutating func execute(_ i: Instruction, _ op: Op, _ v: UInt8) throws(Stop) {
        switch op {
        case .unsupported: throw .unsupported("\(i.mnemonic): not emulated (x87/MMX/SSE/AVX or system instruction)")
        case .undefined: throw .exception(.ud)
        case .alu: try alu(i, v)
        case .inc, .dec: try incDec(i, op == .inc)
        case .neg: try neg(i)
        case .not: try not(i)
        case .mul, .imul: try multiply(i, signed: op == .imul)
        case .div, .idiv: try divide(i, signed: op == .idiv)
        case .mov: try mov(i)
        case .movzx, .movsx, .movsxd: try extend(i, signed: op != .movzx)
        case .lea: try lea(i)
        case .xchg: try xchg(i)
        case .cmpxchg: try cmpxchg(i)
        case .cmpxchgWide: try cmpxchgWide(i)
        case .xadd: try xadd(i)
        case .bswap: bswap(i)
        case .movbe: try movbe(i)
        case .cmov: try cmov(i, v)
        case .setcc: try setcc(i, v)
        case .jcc: if condition(v) { try jump(to: read(i.operand(at: 0), i), i) }
        case .shift: try shift(i, v)
        case .shld, .shrd: try doubleShift(i, left: op == .shld)
        case .shiftx: try shiftx(i, v)
        case .bt: try bitTest(i, v)
        case .bsf, .bsr: try bitScan(i, forward: op == .bsf)
        case .tzcnt, .lzcnt: try count(i, trailing: op == .tzcnt)
        case .popcnt: try popcnt(i)
        case .bmi: try bmi(i, v)
        case .mulx: try mulx(i)
        case .crc32: try crc32(i)
        case .adcx, .adox: try adx(i, overflow: op == .adox)
        case .push: try pushOp(i)
        case .pop: try popOp(i)
        case .pushf: try pushf(i)
        case .popf: try popf(i)
        case .enter: try enter(i)
        case .leave: try leave(i)
        case .convert: convert(v)
        case .lahf: state.write(Register(.gpr8High, 4), state.rflags & 0xD7 | 2)
        case .sahf: setStatus(state.read(Register(.gpr8High, 4)), mask: RFlags.status & ~RFlags.overflow)
        case .xlat: try xlat(i)
        case .jmp: try jmpOp(i)
        case .call: try callOp(i)
        case .ret: try ret(i)
        case .loop: try loop(i, v)
        case .jcxz: if counter(i) == 0 { try jump(to: read(i.operand(at: 0), i), i) }
        case .int3: throw .exception(X86Exception(.BP))
        case .intn: try softwareInterrupt(i)
        case .int1: throw .exception(X86Exception(.DB))
        case .ud: throw .exception(.ud)
        case .movs, .cmps, .scas, .lods, .stos: try string(i, op, size: Int(v))
        case .flagOp: flagOp(v)
        case .nop: break
        case .touch: try touch(i)
        case .cpuid, .rdtsc, .rdtscp, .rdrand, .rdseed, .rdpid: try environmentOp(i, op)
        case .rdfsbase, .rdgsbase, .wrfsbase, .wrgsbase: try baseOp(i, op)
        case .privileged: throw .exception(.gp0)
        case .syscall: throw .systemCall(.syscall)
        case .sysenter: if amd { throw .exception(.ud) } else { throw .systemCall(.sysenter) }
        case .loadFar: try loadFar(i)
        case .tsx:
            if amd { throw .exception(.ud) }
            throw .unsupported("\(i.mnemonic): TSX not emulated")
        }
    }
}
