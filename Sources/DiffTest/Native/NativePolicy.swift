import X86Decoder
import X86Emulator

/// The native oracles' policy, in one place: which cases run on this CPU, which path runs them,
/// which instructions are compared on exception class only, and which state is masked when a
/// native result is compared with another oracle's.
///
/// Which cases run natively
/// - 64-bit mode only, on an x86-64 Linux host (`hostSupported`). 16/32-bit cases answer "not
///   compared" (the compat-mode code segment is planned, see DESIGN.md).
/// - Execution cases whose pages fit the sandbox: at most 8 pages (the code at RIP, up to 2,
///   plus the state's memory regions), every page canonical user space at or above
///   `vm.mmap_min_addr`, below 0x7fff_ffff_f000, and not already used by the harness process
///   (the child is its fork; such a case answers "not compared" with the address). The sandbox
///   maps whole pages: bytes outside the state's regions but inside their pages read as INT3
///   (code pages) or zero (data pages) instead of faulting, as with Unicorn; cases meant for the
///   CPU use page-aligned regions.
/// - Every case first has its length probed on the CPU (the project decoder's length is only the
///   prediction the probe confirms), and exactly that many bytes are placed at RIP, followed by
///   INT3 fill or the jump-back stub.
///
/// Which path runs them
/// - Jump-back stub (no signal round trip) when the project decoder says the instruction is
///   straight-line (`stubEligible`) and the probe confirms its length; the single-step trap
///   (TF set through IRETQ) otherwise. Either way faults come back as signals.
///
/// Compared on exception class only (`nondeterministic`): RDTSC, RDTSCP, RDRAND, RDSEED, RDPID,
/// CPUID, RDPRU, RDPMC, LSL (the per-CPU segment's limit is the CPU number). The outcome and
/// exception vector are compared; registers, flags and writes are not. The same for the host
/// artifacts (`hostArtifacts`: INT1 under KVM/SVM reports RIP at the instruction).
///
/// Masked state (`differences`):
/// - RFLAGS: RF (the CPU sets it in the frame of a fault), IF, IOPL, VM, VIF, VIP (user mode
///   cannot change them; the sandbox runs with IF=1, IOPL=0). TF is reported as the case's
///   input TF except after POPF/IRET, which load it.
/// - System calls: RCX and R11 (SYSCALL writes them before the kernel sees the call; the
///   emulator reports the state before it).
/// - #PF error code: the P bit for kernel-half addresses (Linux reports those as protection
///   faults, whatever the page tables say).
/// - FS/GS bases when the host lacks FSGSBASE (they cannot be loaded or read from user mode).
/// - Memory writes are compared as changed bytes: a write of the value already there is
///   invisible to the CPU's diff of the pages, so such writes are dropped from both sides.
public enum NativePolicy {
    /// The native oracles run only here.
    public static var hostSupported: Bool {
        #if arch(x86_64) && os(Linux)
            return true
        #else
            return false
        #endif
    }

    /// Modes the native oracles run.
    public static func runs(_ mode: Mode) -> Bool { mode == .bits64 }

    public static let notComparedMode = "not compared: the native oracles run 64-bit code only on this host"

    /// Instructions whose results are not a function of the case: exception class only.
    public static let nondeterministic: Set<String> = ["rdtsc", "rdtscp", "rdrand", "rdseed", "rdpid", "cpuid", "rdpru", "rdpmc", "lsl"]

    /// Instructions the host's hypervisor gets wrong, compared on exception class only, with
    /// the evidence. (Measured on this project's machines: AMD family 25 model 17 under KVM.)
    public static let hostArtifacts: [String: String] = [
        "int1": "ICEBP (f1) is intercepted by KVM on AMD SVM and its #DB reaches the guest with RIP at the instruction, not after it (bare metal: after); seen with and without TF",
    ]

    /// Mnemonics that never take the jump-back stub: control transfers, instructions that change
    /// TF or inhibit the single-step trap (POPF, IRET, MOV/POP SS), system calls, HLT, the UDs,
    /// and REP string instructions (they run without TF to their end or their fault).
    static let notStraightLine: Set<String> = [
        "jmp", "call", "ret", "retf", "iret", "iretd", "iretq", "int", "int1", "int3", "into", "syscall", "sysenter", "sysexit",
        "sysret", "popf", "popfd", "popfq", "hlt", "ud0", "ud1", "ud2", "loop", "loope", "loopne", "jrcxz", "jecxz", "jcxz", "lss",
        "xbegin", "xabort", "xend", "ljmp", "lcall", "enclu", "vmcall", "vmmcall",
    ]

    static let stringOps: Set<String> = [
        "movsb", "movsw", "movsd", "movsq", "stosb", "stosw", "stosd", "stosq", "lodsb", "lodsw", "lodsd", "lodsq", "cmpsb", "cmpsw",
        "cmpsd", "cmpsq", "scasb", "scasw", "scasd", "scasq", "insb", "insw", "insd", "outsb", "outsw", "outsd", "movs", "stos", "lods",
        "cmps", "scas", "ins", "outs",
    ]

    /// Whether `i` may run through the jump-back stub.
    public static func stubEligible(_ i: Instruction) -> Bool {
        let m = i.mnemonic
        if notStraightLine.contains(m) || m.hasPrefix("j") { return false }
        if i.repPrefix != 0 && stringOps.contains(m) { return false }
        for k in 0..<i.operandCount {
            switch i.operand(at: k) {
            case .relative, .farPointer: return false
            case .register(let r) where r.regClass == .segment && k == 0: return false
            default: continue
            }
        }
        return true
    }

    /// Whether REP string `i` must run without the single-step trap (to its end, like the
    /// emulator's step), rather than one iteration per trap.
    public static func runsWithoutTrap(_ i: Instruction) -> Bool {
        i.repPrefix != 0 && stringOps.contains(i.mnemonic)
    }

    /// Whether a length probe of `i` (the project decoder's reading; nil when it cannot decode
    /// the bytes) runs with TF: control transfers could loop on themselves (`jmp $`) when they
    /// execute in the probe; other instructions end at the guard page's fetch fault, which is
    /// cheaper than the single-step trap.
    public static func probeNeedsTrap(_ i: Instruction?) -> Bool {
        guard let i else { return true }
        return !(stubEligible(i) || runsWithoutTrap(i))
    }

    /// Instructions that load TF themselves (their result TF is the CPU's, not the input's).
    static let loadsTF: Set<String> = ["popf", "popfd", "popfq", "iret", "iretd", "iretq"]

    public static func loadsTrapFlag(_ mnemonic: String?) -> Bool { mnemonic.map { loadsTF.contains($0) } ?? false }

    /// RFLAGS bits never compared.
    public static let maskedFlags: UInt64 = RFlags.resume | RFlags.interrupt | RFlags.iopl | RFlags.virtual8086
        | RFlags.virtualInterrupt | RFlags.virtualInterruptPending

    /// The lowest address the sandbox can map (vm.mmap_min_addr, 64 KiB if unreadable).
    public static let lowestPage: UInt64 = {
        guard let f = fopenText("/proc/sys/vm/mmap_min_addr"), let v = UInt64(f.filter { !$0.isWhitespace }) else { return 0x10000 }
        return max(v, 0x1000)
    }()

    public static let highestPage: UInt64 = 0x7FFF_FFFF_E000
}

/// Reads a small text file without Foundation (policy is used from the hot path's set-up).
func fopenText(_ path: String) -> String? {
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var buffer = [CChar](repeating: 0, count: 256)
    guard fgets(&buffer, 256, f) != nil else { return nil }
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

#if canImport(Glibc)
    import Glibc
#endif
