import CUnicorn
import Glibc
import X86Decoder
import X86Emulator

/// Unicorn (Debian's libunicorn 2.0.1) as a peer execution oracle, behind `ExecutionOracle`.
///
/// Per case: map the 4 KiB pages that cover the code and the state's regions (Unicorn maps
/// pages, so bytes outside the regions but inside their pages read as zeros instead of #PF:
/// cases meant for Unicorn use page-aligned regions), write them, drop the translation cache
/// of the code range, set registers, run one instruction (`until` = the next instruction, count
/// 1), read registers, unmap everything. Writes come from a UC_HOOK_MEM_WRITE hook; unmapped
/// accesses from UC_HOOK_MEM_UNMAPPED (#PF with the address); interrupts from UC_HOOK_INTR
/// (vector); SYSCALL from UC_HOOK_INSN; UC_ERR_INSN_INVALID is #UD.
///
/// Known limitations (not divergences of the project): Unicorn runs at CPL0, so privileged
/// instructions execute instead of raising #GP (`comparable` is false for them, with a note);
/// #PF error codes are not reported (compare the vector and address only).
///
/// `uc_hook_add` and `uc_ctl` are C variadic functions, which Swift does not import; they are
/// called through `dlsym` with a fixed prototype (the x86-64 SysV convention passes the same
/// registers for a variadic callee).
public final class UnicornOracle: ExecutionOracle {
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    public let name = "unicorn"
    public let version: String
    let uc: OpaquePointer
    let recorder: Recorder
    let ctl: UCCtl
    /// The CPU context right after set-up (registers, segment caches, control registers,
    /// QEMU's hidden flags), restored before every case: some instructions leave state behind
    /// that registers alone do not reset (a faulting IRETQ at CPL0 made a later POPCNT "complete"
    /// without executing), so a case's result must not depend on the cases run before it.
    let initialContext: OpaquePointer

    typealias HookAdd = @convention(c) (OpaquePointer?, UnsafeMutablePointer<uc_hook>?, Int32, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UInt64, UInt64, Int32) -> uc_err
    typealias UCCtl = @convention(c) (OpaquePointer?, UInt32, UInt64, UInt64) -> uc_err

    /// What the hooks saw during one run.
    final class Recorder {
        var writes: [(address: UInt64, byte: UInt8)] = []
        var unmapped: (address: UInt64, write: Bool, fetch: Bool)?
        var interrupt: UInt32?
        var syscall = false

        func reset() {
            writes.removeAll(keepingCapacity: true)
            unmapped = nil
            interrupt = nil
            syscall = false
        }
    }

    static let registers: [Int32] = [
        UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI,
        UC_X86_REG_RDI, UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12, UC_X86_REG_R13,
        UC_X86_REG_R14, UC_X86_REG_R15,
    ].map { Int32($0.rawValue) }

    public init() throws(SetupError) {
        var major: UInt32 = 0, minor: UInt32 = 0
        _ = uc_version(&major, &minor)
        version = "\(major).\(minor)"
        var engine: OpaquePointer?
        guard uc_open(UC_ARCH_X86, UC_MODE_64, &engine) == UC_ERR_OK, let engine else { throw SetupError(description: "unicorn: uc_open failed") }
        uc = engine
        guard let handle = dlopen(nil, RTLD_NOW), let add = dlsym(handle, "uc_hook_add"), let ctlSymbol = dlsym(handle, "uc_ctl") else {
            uc_close(engine)
            throw SetupError(description: "unicorn: uc_hook_add/uc_ctl not found")
        }
        let hookAdd = unsafeBitCast(add, to: HookAdd.self)
        ctl = unsafeBitCast(ctlSymbol, to: UCCtl.self)
        recorder = Recorder()
        let user = Unmanaged.passUnretained(recorder).toOpaque()

        let onWrite: @convention(c) (OpaquePointer?, uc_mem_type, UInt64, Int32, Int64, UnsafeMutableRawPointer?) -> Void = { _, _, address, size, value, user in
            let r = Unmanaged<Recorder>.fromOpaque(user!).takeUnretainedValue()
            for k in 0..<Int(size) { r.writes.append((address &+ UInt64(k), UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> UInt64(8 * k)))) }
        }
        let onUnmapped: @convention(c) (OpaquePointer?, uc_mem_type, UInt64, Int32, Int64, UnsafeMutableRawPointer?) -> Bool = { _, type, address, _, _, user in
            let r = Unmanaged<Recorder>.fromOpaque(user!).takeUnretainedValue()
            if r.unmapped == nil { r.unmapped = (address, type == UC_MEM_WRITE_UNMAPPED, type == UC_MEM_FETCH_UNMAPPED) }
            return false
        }
        let onInterrupt: @convention(c) (OpaquePointer?, UInt32, UnsafeMutableRawPointer?) -> Void = { uc, intno, user in
            let r = Unmanaged<Recorder>.fromOpaque(user!).takeUnretainedValue()
            if r.interrupt == nil { r.interrupt = intno }
            uc_emu_stop(uc)
        }
        let onSyscall: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { uc, user in
            Unmanaged<Recorder>.fromOpaque(user!).takeUnretainedValue().syscall = true
            uc_emu_stop(uc)
        }
        var h: uc_hook = 0
        var ok = hookAdd(engine, &h, Int32(UC_HOOK_MEM_WRITE.rawValue), unsafeBitCast(onWrite, to: UnsafeMutableRawPointer.self), user, 1, 0, 0) == UC_ERR_OK
        let unmappedKinds = Int32(UC_HOOK_MEM_READ_UNMAPPED.rawValue | UC_HOOK_MEM_WRITE_UNMAPPED.rawValue | UC_HOOK_MEM_FETCH_UNMAPPED.rawValue)
        ok = ok && hookAdd(engine, &h, unmappedKinds, unsafeBitCast(onUnmapped, to: UnsafeMutableRawPointer.self), user, 1, 0, 0) == UC_ERR_OK
        ok = ok && hookAdd(engine, &h, Int32(UC_HOOK_INTR.rawValue), unsafeBitCast(onInterrupt, to: UnsafeMutableRawPointer.self), user, 1, 0, 0) == UC_ERR_OK
        ok = ok && hookAdd(engine, &h, Int32(UC_HOOK_INSN.rawValue), unsafeBitCast(onSyscall, to: UnsafeMutableRawPointer.self), user, 1, 0, Int32(UC_X86_INS_SYSCALL.rawValue)) == UC_ERR_OK
        if !ok {
            uc_close(engine)
            throw SetupError(description: "unicorn: uc_hook_add failed")
        }
        var context: OpaquePointer?
        guard uc_context_alloc(engine, &context) == UC_ERR_OK, let context, uc_context_save(engine, context) == UC_ERR_OK else {
            uc_close(engine)
            throw SetupError(description: "unicorn: uc_context_alloc/save failed")
        }
        initialContext = context
    }

    deinit {
        uc_context_free(initialContext)
        uc_close(uc)
    }

    static let pageSize: UInt64 = 4096
    static let zeroPage = [UInt8](repeating: 0, count: 4096)
    /// Pages mapped by the previous case.
    var mapped = Set<UInt64>()
    /// Instruction lengths as Unicorn reads them (AMD's rules for 66-prefixed branches).
    let lengthDecoder = X86Decoder(mode: .bits64, vendor: .amd)

    /// Unicorn translates the block after the instruction before it honours the count of 1: a
    /// case whose bytes after the instruction hold a pattern that aborts Unicorn (`66 0f 84 68
    /// 6e` then `f0 a6`, LOCK CMPSB, found by the 1M-case campaign) would kill the process.
    /// Those cases are not given to it (`unsupported`, with the reason).
    func tailAborts(_ bytes: [UInt8]) -> String? {
        guard case .valid(let i) = lengthDecoder.decode(bytes, address: 0), i.length < bytes.count else { return nil }
        for j in i.length..<bytes.count {
            // Unicorn sees zeros after the case's bytes (the rest of the page).
            if let r = Self.abortsUnicorn(Array(bytes[j...]) + Self.zeroTail) { return "the bytes after the instruction (offset \(j)): " + r }
        }
        return nil
    }

    static let zeroTail = [UInt8](repeating: 0, count: 16)

    public func execute(_ bytes: [UInt8], state: MachineState, vendor: Vendor) -> ExecutionResult {
        if let reason = Self.refused(bytes) ?? tailAborts(bytes) { return ExecutionResult(outcome: .unsupported, state: state.cpu, note: reason) }
        let regions = state.regions(code: bytes)
        var pages = Set<UInt64>()
        for r in regions where !r.bytes.isEmpty {
            var p = r.address & ~(Self.pageSize - 1)
            let end = r.address &+ UInt64(r.bytes.count)
            while p < end {
                pages.insert(p)
                p &+= Self.pageSize
            }
        }
        // Pages stay mapped between cases that use the same pages (campaign cases do: mapping
        // and unmapping flush Unicorn's translations and cost most of a case); each case's
        // pages are zeroed before its regions are written, so nothing of the previous case
        // is visible, and pages it does not use are unmapped.
        for p in mapped.subtracting(pages) { uc_mem_unmap(uc, p, Int(Self.pageSize)) }
        for p in pages.subtracting(mapped).sorted() { uc_mem_map(uc, p, Int(Self.pageSize), UInt32(UC_PROT_ALL.rawValue)) }
        mapped = pages
        for p in pages { _ = Self.zeroPage.withUnsafeBytes { uc_mem_write(uc, p, $0.baseAddress, $0.count) } }
        for r in regions.reversed() { _ = r.bytes.withUnsafeBytes { uc_mem_write(uc, r.address, $0.baseAddress, $0.count) } }
        let codeEnd = state.cpu.rip &+ UInt64(bytes.count)
        // UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2): drop translations of the code range.
        let removeCache = UInt32(UC_CTL_TB_REMOVE_CACHE.rawValue) | 2 << 26 | 1 << 30
        _ = ctl(uc, removeCache, state.cpu.rip, codeEnd)

        var s = state.cpu
        _ = uc_context_restore(uc, initialContext)
        for (n, reg) in Self.registers.enumerated() { var v = s.gpr[n]; uc_reg_write(uc, reg, &v) }
        var v = s.rflags
        uc_reg_write(uc, Int32(UC_X86_REG_RFLAGS.rawValue), &v)
        v = s.fsBase
        uc_reg_write(uc, Int32(UC_X86_REG_FS_BASE.rawValue), &v)
        v = s.gsBase
        uc_reg_write(uc, Int32(UC_X86_REG_GS_BASE.rawValue), &v)
        recorder.reset()

        // Until the end of the buffer: the instruction's own length is Unicorn's decision.
        // With count 1, Unicorn stops a REP string instruction after one iteration (RIP stays
        // on it); the CPU completes every iteration in one instruction: run it again while RIP
        // is still on it and no hook stopped it (bounded; the data window faults long before).
        // After the last iteration (RCX now 0) Unicorn still stands on the instruction: one more
        // run takes its exit test and moves RIP past it, as the CPU's single instruction does.
        var err = uc_emu_start(uc, s.rip, codeEnd, 0, 1)
        if Self.isRepString(bytes) {
            var iterations = 0
            while err == UC_ERR_OK && recorder.unmapped == nil && recorder.interrupt == nil && iterations < 100_000 {
                var rip: UInt64 = 0
                uc_reg_read(uc, Int32(UC_X86_REG_RIP.rawValue), &rip)
                guard rip == s.rip else { break }
                err = uc_emu_start(uc, s.rip, codeEnd, 0, 1)
                iterations += 1
            }
        }
        for (n, reg) in Self.registers.enumerated() { uc_reg_read(uc, reg, &v); s.gpr[n] = v }
        uc_reg_read(uc, Int32(UC_X86_REG_RIP.rawValue), &v)
        s.rip = v
        uc_reg_read(uc, Int32(UC_X86_REG_RFLAGS.rawValue), &v)
        s.rflags = v
        uc_reg_read(uc, Int32(UC_X86_REG_FS_BASE.rawValue), &v)
        s.fsBase = v
        uc_reg_read(uc, Int32(UC_X86_REG_GS_BASE.rawValue), &v)
        s.gsBase = v

        // The write hook runs before Unicorn checks the mapping: drop writes to unmapped pages.
        let writes = ExecutionResult.coalesce(recorder.writes.filter { pages.contains($0.address & ~(Self.pageSize - 1)) })
        if recorder.syscall { return ExecutionResult(outcome: .syscall, state: s, writes: writes, note: "syscall") }
        // Unicorn looks up the next block before it honours the count of 1: a control transfer
        // to an unmapped target shows as a fetch fault at the new RIP, or at the start of the
        // next page when the target is mapped but the block runs into an unmapped page
        // (`66 e9 cd 0f` lands at 0x1fd1 on zeros, the fault is at 0x2000). The instruction
        // itself completed (the CPU faults there only when it executes the next instruction).
        let nextPage = (s.rip & ~(Self.pageSize - 1)) &+ Self.pageSize
        if let u = recorder.unmapped, u.fetch, u.address == s.rip || (u.address == nextPage && pages.contains(nextPage &- Self.pageSize)),
            s.rip != state.cpu.rip, err == UC_ERR_FETCH_UNMAPPED || err == UC_ERR_OK {
            return ExecutionResult(outcome: .completed, state: s, writes: writes)
        }
        if let u = recorder.unmapped {
            let e = ExecutionResult.Exception(vector: "PF", errorCode: nil, address: "0x" + String(u.address, radix: 16))
            return ExecutionResult(outcome: .exception, exception: e, state: s, writes: writes)
        }
        if let n = recorder.interrupt {
            if n == 0x80 { return ExecutionResult(outcome: .syscall, state: s, writes: writes, note: "int 0x80") }
            let name = X86Exception.Vector(rawValue: UInt8(truncatingIfNeeded: n))?.name ?? "INT\(n)"
            return ExecutionResult(outcome: .exception, exception: .init(vector: name, errorCode: nil, address: nil), state: s, writes: writes)
        }
        switch err {
        case UC_ERR_OK: return ExecutionResult(outcome: .completed, state: s, writes: writes)
        case UC_ERR_INSN_INVALID:
            return ExecutionResult(outcome: .exception, exception: .init(vector: "UD", errorCode: nil, address: nil), state: s, writes: writes)
        default:
            let message = String(cString: uc_strerror(err))
            return ExecutionResult(outcome: .unsupported, state: s, writes: writes, note: "unicorn: \(message)")
        }
    }
}

extension UnicornOracle {
    /// The legacy prefixes and REX bytes before the opcode (64-bit mode).
    static func opcodeOffset(_ bytes: [UInt8]) -> Int {
        var k = 0
        while k < bytes.count, [0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65].contains(bytes[k]) || bytes[k] & 0xF0 == 0x40 { k += 1 }
        return k
    }

    /// A REP/REPE/REPNE-prefixed string instruction (MOVS CMPS STOS LODS SCAS, INS OUTS).
    static func isRepString(_ bytes: [UInt8]) -> Bool {
        let k = opcodeOffset(bytes)
        guard k < bytes.count, bytes[..<k].contains(where: { $0 == 0xF3 || $0 == 0xF2 }) else { return false }
        return [0x6C, 0x6D, 0x6E, 0x6F, 0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF].contains(bytes[k])
    }

    /// Instructions Unicorn 2.0.1 cannot be given at all, with the reason: they abort the whole
    /// process inside QEMU's code generator ("tcg fatal error"): CALL/JMP FAR with a register
    /// operand (FF /3 and FF /5 with ModRM.mod = 11, unicorn-engine/unicorn#1716) and LOCK on a
    /// string instruction (`f3 4e f0 a7`, found by the execution campaign); the CPU raises #UD
    /// for both. The results are `unsupported` (not compared), never a crash of the campaign.
    static func refused(_ bytes: [UInt8]) -> String? {
        if let r = abortsUnicorn(bytes) { return r }
        let k = opcodeOffset(bytes)
        guard k < bytes.count else { return nil }
        let op = bytes[k]
        let op2: UInt8? = op == 0x0F && k + 1 < bytes.count ? bytes[k + 1] : nil
        if let op2, [0x00, 0x01, 0x06, 0x07, 0x08, 0x09, 0x20, 0x21, 0x22, 0x23, 0x30, 0x32, 0x33, 0x35].contains(op2) {
            return "privileged or system instruction: Unicorn runs at CPL0 (0f 21/0f 23, MOV DR, crash it), the CPU at CPL3 raises #GP or #UD"
        }
        if op2 == nil && (op == 0x8E || op == 0xCD) || op2.map({ [0xA1, 0xA9, 0xB2, 0xB4, 0xB5].contains($0) }) == true {
            return "segment register load or INT n: Unicorn has no descriptor tables (its loads and gates do not follow the Linux user-mode profile)"
        }
        if op2 == nil, [0xF4, 0xFA, 0xFB, 0xE4, 0xE5, 0xE6, 0xE7, 0xEC, 0xED, 0xEE, 0xEF, 0x6C, 0x6D, 0x6E, 0x6F].contains(op) {
            return "privileged or I/O instruction: Unicorn runs at CPL0, the CPU at CPL3 raises #GP"
        }
        return nil
    }

    /// The instruction forms that abort the whole process inside Unicorn 2.0.1's code generator
    /// ("tcg fatal error") when it translates them.
    static func abortsUnicorn(_ bytes: [UInt8]) -> String? {
        let k = opcodeOffset(bytes)
        guard k < bytes.count else { return nil }
        if bytes[..<k].contains(0xF0) && !Self.lockable(bytes, at: k) {
            return "unicorn 2.0.1 aborts the process on LOCK with an instruction that cannot be locked (tcg fatal error; the CPU raises #UD)"
        }
        if bytes[..<k].contains(0xF0), [0x6C, 0x6D, 0x6E, 0x6F, 0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF].contains(bytes[k]) {
            return "unicorn 2.0.1 aborts the process on LOCK with a string instruction (tcg fatal error; the CPU raises #UD)"
        }
        if bytes[k] == 0x0F, k + 1 < bytes.count, bytes[k + 1] == 0x21 || bytes[k + 1] == 0x23 {
            return "unicorn 2.0.1 aborts the process on MOV from/to a debug register (the CPU at CPL3 raises #GP)"
        }
        guard k + 1 < bytes.count, bytes[k] == 0xFF else { return nil }
        let modrm = bytes[k + 1]
        if modrm >> 6 == 3 && (modrm >> 3 & 7 == 3 || modrm >> 3 & 7 == 5) {
            return "unicorn 2.0.1 aborts the process on far CALL/JMP with a register operand (tcg fatal error, unicorn#1716)"
        }
        return nil
    }

    /// LOCK is allowed (the CPU does not raise #UD) only on these read-modify-write forms with a
    /// memory destination: ADD OR ADC SBB AND SUB XOR (00-31 r/m forms, 80-83), XCHG (86 87),
    /// NOT NEG (F6/F7 /2 /3), INC DEC (FE/FF /0 /1), BTS BTR BTC (0F AB B3 BB, 0F BA /5-/7),
    /// CMPXCHG (0F B0 B1), XADD (0F C0 C1), CMPXCHG8B/16B (0F C7 /1).
    static func lockable(_ bytes: [UInt8], at k: Int) -> Bool {
        let op = bytes[k]
        let twoByte = op == 0x0F
        let m = twoByte ? k + 2 : k + 1
        guard m < bytes.count, bytes[m] >> 6 != 3 else { return false }
        let reg = bytes[m] >> 3 & 7
        if twoByte {
            switch bytes[k + 1] {
            case 0xAB, 0xB3, 0xBB, 0xB0, 0xB1, 0xC0, 0xC1: return true
            case 0xBA: return reg >= 5
            case 0xC7: return reg == 1
            default: return false
            }
        }
        switch op {
        case 0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31, 0x86, 0x87: return true
        case 0x80, 0x81, 0x83: return reg != 7
        case 0xF6, 0xF7: return reg == 2 || reg == 3
        case 0xFE: return reg <= 1
        case 0xFF: return reg <= 1
        default: return false
        }
    }

    /// Benchmark support: maps one page at `address` holding `code` and leaves it mapped.
    public func mapForBenchmark(code: [UInt8], at address: UInt64) {
        for p in mapped { uc_mem_unmap(uc, p, Int(Self.pageSize)) }
        mapped = []
        uc_mem_map(uc, address, Int(Self.pageSize), UInt32(UC_PROT_ALL.rawValue))
        _ = code.withUnsafeBytes { uc_mem_write(uc, address, $0.baseAddress, $0.count) }
    }

    public func unmapForBenchmark(at address: UInt64) { uc_mem_unmap(uc, address, Int(Self.pageSize)) }

    /// Benchmark support: set the registers, run one instruction at `state.rip`, read them back.
    public func stepRegisters(_ s: inout CPUState, until end: UInt64) {
        var v: UInt64 = 0
        for (n, reg) in Self.registers.enumerated() { v = s.gpr[n]; uc_reg_write(uc, reg, &v) }
        v = s.rflags
        uc_reg_write(uc, Int32(UC_X86_REG_RFLAGS.rawValue), &v)
        _ = uc_emu_start(uc, s.rip, end, 0, 1)
        for (n, reg) in Self.registers.enumerated() { uc_reg_read(uc, reg, &v); s.gpr[n] = v }
        uc_reg_read(uc, Int32(UC_X86_REG_RFLAGS.rawValue), &v)
        s.rflags = v
        uc_reg_read(uc, Int32(UC_X86_REG_RIP.rawValue), &v)
        s.rip = v
    }
}
