import CNativeSandbox
import Glibc
import X86Decoder
import X86Emulator

extension NativeExecutionOracle {
    static let archI386: UInt32 = 0x4000_0003
    /// Vectors that push an error code.
    static let errorCodeVectors: Set<UInt32> = [8, 10, 11, 12, 13, 14, 17, 21]

    /// One child answer in the shared result model (see the type's documentation).
    func convert(_ verdict: NativeSandbox.Verdict, plan: Plan, bytes: [UInt8], state: MachineState) -> ExecutionResult {
        let r: cnativesandbox_result
        switch verdict {
        case .killed(let reason):
            return ExecutionResult(outcome: .unsupported, state: state.cpu, note: "native sandbox: \(reason)")
        case .finished(let p): r = p.pointee
        }
        if r.kind == UInt32(CNATIVESANDBOX_RESULT_LAYOUT) {
            let why = r.error_code == 17 ? "is taken by the harness process" : "cannot be mapped (\(Syscalls.message(Int32(r.error_code))))"
            return ExecutionResult(outcome: .unsupported, state: state.cpu, note: "not compared: page 0x\(String(r.fault_address & ~Self.pageMask, radix: 16)) \(why)")
        }
        if plan.request.flags & UInt32(CNATIVESANDBOX_FLAG_PROBE_FIRST) != 0 {
            if lengthCache.count >= lengthCacheLimit { lengthCache.removeAll(keepingCapacity: true) }
            lengthCache[bytes] = Int(r.length)
        }
        let start = state.cpu.rip
        let mnemonic = plan.instruction?.mnemonic
        var s = CPUState(rip: start)
        for n in 0..<16 { s.gpr[n] = r.regs[gpr: n] }
        s.rip = r.regs.rip
        // TF: ours (the single-step trap) unless the instruction completed and loads it itself.
        var flags = r.regs.rflags & ~(RFlags.resume | RFlags.trap)
        let completed = r.kind == UInt32(CNATIVESANDBOX_RESULT_COMPLETED) || (r.signo == SIGTRAP && r.trapno != 3)
        flags |= NativePolicy.loadsTrapFlag(mnemonic) && completed ? r.regs.rflags & RFlags.trap : state.cpu.rflags & RFlags.trap
        s.rflags = flags
        s.fsBase = r.regs.fs_base
        s.gsBase = r.regs.gs_base
        for n in 0..<6 { s.segments[n] = r.regs[selector: n] }
        if r.writes_overflow != 0 {
            return ExecutionResult(outcome: .unsupported, state: s, note: "not compared: more than \(CNATIVESANDBOX_MAX_WRITES) bytes written")
        }
        let writes = ExecutionResult.coalesce(r.writtenBytes)
        if r.kind == UInt32(CNATIVESANDBOX_RESULT_COMPLETED) {
            stubRuns += 1
            return ExecutionResult(outcome: .completed, state: s, writes: writes)
        }
        trapRuns += 1
        func exception(_ vector: UInt32, errorCode: UInt32? = nil, address: UInt64? = nil) -> ExecutionResult {
            let name = X86Exception.Vector(rawValue: UInt8(truncatingIfNeeded: vector))?.name ?? "vector\(vector)"
            let e = ExecutionResult.Exception(vector: name, errorCode: errorCode, address: address.map { "0x" + String($0, radix: 16) })
            return ExecutionResult(outcome: .exception, exception: e, state: s, writes: writes)
        }
        switch r.signo {
        case SIGSYS:
            let kind = r.syscall_arch == Self.archI386 ? "int 0x80" : "syscall"
            return ExecutionResult(outcome: .syscall, state: s, writes: writes, note: kind)
        case SIGTRAP:
            if r.trapno == 3 {
                // The case's own INT3 is #BP (RIP after it); an INT3 of the fill after the
                // instruction means it cleared TF (POPF) and completed: RIP is the fill byte.
                let probed = plan.request.flags & UInt32(CNATIVESANDBOX_FLAG_PROBE_FIRST) != 0
                let placed = UInt64(probed ? (r.length == 0 ? 15 : r.length) : plan.request.length)
                if r.regs.rip &- 1 &- start < placed { return exception(3) }
                s.rip = r.regs.rip &- 1
                return ExecutionResult(outcome: .completed, state: s, writes: writes)
            }
            if r.trapno == 1 {
                if mnemonic == "int1" || plan.inputTF { return exception(1) }
                return ExecutionResult(outcome: .completed, state: s, writes: writes)
            }
            return exception(r.trapno)
        default:
            let code = Self.errorCodeVectors.contains(r.trapno) ? UInt32(truncatingIfNeeded: r.error_code) : nil
            return exception(r.trapno, errorCode: code, address: r.trapno == 14 ? r.fault_address : nil)
        }
    }
}
