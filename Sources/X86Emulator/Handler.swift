import X86Decoder

/// The emulator's own name for what an instruction does: a family (`Op`) and a variant
/// (which ALU operation, which condition code, which string element size).
///
/// Mnemonic names are resolved to handlers once per process (`HandlerTable.shared`), into a
/// table indexed by the decoder's mnemonic id; `step` never compares strings. A mnemonic
/// that is not listed here is `unsupported` with its name: x87, MMX, SSE, AVX, AVX-512, and the
/// system instructions that have no user-mode meaning yet.
@usableFromInline enum Op: UInt8 {
    case unsupported = 0
    case undefined  // #UD on every supported profile
    case alu, inc, dec, neg, not
    case mul, imul, div, idiv
    case mov, movzx, movsx, movsxd, lea, xchg, cmpxchg, cmpxchgWide, xadd, bswap, movbe
    case cmov, setcc, jcc
    case shift, shld, shrd, shiftx
    case bt, bsf, bsr, tzcnt, lzcnt, popcnt, bmi, mulx, crc32, adcx, adox
    case push, pop, pushf, popf, enter, leave, convert, lahf, sahf, xlat
    case jmp, call, ret, loop, jcxz, int3, intn, int1, ud
    case movs, cmps, scas, lods, stos
    case flagOp, nop, touch
    case cpuid, rdtsc, rdtscp, rdrand, rdseed, rdpid, rdfsbase, rdgsbase, wrfsbase, wrgsbase
    case privileged, syscall, sysenter, loadFar, tsx
}

/// The condition codes in encoding order (o no b ae e ne be a s ns p np l ge le g).
@usableFromInline let conditionNames = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]

/// Mnemonic id → (op, variant), packed as `op | variant << 8`.
@usableFromInline final class HandlerTable: @unchecked Sendable {  // immutable after init
    @usableFromInline static let shared = HandlerTable()
    @usableFromInline let entries: UnsafeMutablePointer<UInt16>
    @usableFromInline let count: Int

    static func names() -> [String: (Op, UInt8)] {
        var t: [String: (Op, UInt8)] = [:]
        for (i, n) in ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"].enumerated() { t[n] = (.alu, UInt8(i)) }
        for (i, n) in ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"].enumerated() { t[n] = (.shift, UInt8(i)) }
        for (i, n) in ["sarx", "shlx", "shrx", "rorx"].enumerated() { t[n] = (.shiftx, UInt8(i)) }
        for (i, n) in ["bt", "bts", "btr", "btc"].enumerated() { t[n] = (.bt, UInt8(i)) }
        for (i, n) in ["andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi", "pdep", "pext"].enumerated() { t[n] = (.bmi, UInt8(i)) }
        for (i, n) in ["cbw", "cwde", "cdqe", "cwd", "cdq", "cqo"].enumerated() { t[n] = (.convert, UInt8(i)) }
        for (i, n) in ["loop", "loope", "loopne"].enumerated() { t[n] = (.loop, UInt8(i)) }
        for (i, n) in ["clc", "stc", "cmc", "cld", "std"].enumerated() { t[n] = (.flagOp, UInt8(i)) }
        for (i, c) in conditionNames.enumerated() {
            t["j" + c] = (.jcc, UInt8(i))
            t["set" + c] = (.setcc, UInt8(i))
            t["cmov" + c] = (.cmov, UInt8(i))
        }
        for (op, stem) in [(Op.movs, "movs"), (.cmps, "cmps"), (.scas, "scas"), (.lods, "lods"), (.stos, "stos")] {
            for (suffix, size) in [("b", 1), ("w", 2), ("d", 4), ("q", 8)] { t[stem + suffix] = (op, UInt8(size)) }
        }
        let simple: [(String, Op)] = [
            ("inc", .inc), ("dec", .dec), ("neg", .neg), ("not", .not), ("mul", .mul), ("imul", .imul), ("div", .div),
            ("idiv", .idiv), ("mov", .mov), ("movzx", .movzx), ("movsx", .movsx), ("movsxd", .movsxd), ("lea", .lea),
            ("xchg", .xchg), ("cmpxchg", .cmpxchg), ("cmpxchg8b", .cmpxchgWide), ("cmpxchg16b", .cmpxchgWide),
            ("xadd", .xadd), ("bswap", .bswap), ("movbe", .movbe), ("shld", .shld), ("shrd", .shrd), ("bsf", .bsf),
            ("bsr", .bsr), ("tzcnt", .tzcnt), ("lzcnt", .lzcnt), ("popcnt", .popcnt), ("mulx", .mulx), ("crc32", .crc32),
            ("adcx", .adcx), ("adox", .adox), ("push", .push), ("pop", .pop), ("pushf", .pushf), ("pushfd", .pushf),
            ("pushfq", .pushf), ("popf", .popf), ("popfd", .popf), ("popfq", .popf), ("enter", .enter), ("leave", .leave),
            ("lahf", .lahf), ("sahf", .sahf), ("xlatb", .xlat), ("jmp", .jmp), ("call", .call), ("ret", .ret),
            ("jcxz", .jcxz), ("jecxz", .jcxz), ("jrcxz", .jcxz), ("int3", .int3), ("int", .intn), ("int1", .int1),
            ("ud0", .ud), ("ud1", .ud), ("ud2", .ud), ("nop", .nop), ("pause", .nop), ("lfence", .nop), ("mfence", .nop),
            ("sfence", .nop), ("prefetch", .nop), ("prefetchw", .nop), ("prefetchwt1", .nop), ("prefetchnta", .nop),
            ("prefetcht0", .nop), ("prefetcht1", .nop), ("prefetcht2", .nop), ("endbr64", .nop), ("endbr32", .nop),
            ("wait", .nop), ("rdsspd", .nop), ("rdsspq", .nop), ("clflush", .touch), ("clflushopt", .touch), ("clwb", .touch),
            ("cldemote", .nop), ("cpuid", .cpuid), ("rdtsc", .rdtsc), ("rdtscp", .rdtscp), ("rdrand", .rdrand),
            ("rdseed", .rdseed), ("rdpid", .rdpid), ("rdfsbase", .rdfsbase), ("rdgsbase", .rdgsbase),
            ("wrfsbase", .wrfsbase), ("wrgsbase", .wrgsbase), ("syscall", .syscall), ("sysenter", .sysenter),
            ("lfs", .loadFar), ("lgs", .loadFar), ("lss", .loadFar), ("movnti", .mov),
            ("xbegin", .tsx), ("xabort", .tsx), ("xend", .tsx), ("xtest", .tsx),
        ]
        for (n, op) in simple { t[n] = (op, 0) }
        // Refused at CPL3 with #GP(0) (IOPL 0, no I/O bitmap, CR4.PCE clear, not ring 0).
        let privileged = [
            "hlt", "cli", "sti", "in", "out", "insb", "insw", "insd", "outsb", "outsw", "outsd", "lgdt", "lidt",
            "lldt", "ltr", "wrmsr", "rdmsr", "invlpg", "invd", "wbinvd", "wbnoinvd", "clts", "lmsw", "rdpmc", "swapgs",
            "sysret", "sysexit", "invlpga", "vmrun", "vmload", "vmsave", "stgi", "clgi", "skinit", "xsetbv", "invlpgb",
            "tlbsync", "wrmsrns", "rdmsrlist", "wrmsrlist", "lkgs", "erets", "eretu",
        ]
        for n in privileged { t[n] = (.privileged, 0) }
        // Absent from the AMD profile's CPU (X86-NOTES: Zen has no SGX, VMX, TDX, UINTR, CET
        // shadow-stack writes at CPL3 without CET, ...): #UD.
        let undefined = [
            "enclv", "encls", "enclu", "vmcall", "vmlaunch", "vmresume", "vmxoff", "vmptrld", "vmclear", "vmxon",
            "vmptrst", "vmread", "vmwrite", "vmfunc", "pconfig", "tdcall", "seamret", "seamops", "seamcall", "getsec",
            "uiret", "testui", "clui", "stui", "senduipi", "xsusldtrk", "xresldtrk", "rsm", "into", "salc",
        ]
        for n in undefined { t[n] = (.undefined, 0) }
        return t
    }

    init() {
        let mnemonics = DecoderTables.shared.mnemonics
        count = mnemonics.count
        entries = .allocate(capacity: max(count, 1))
        entries.initialize(repeating: 0, count: max(count, 1))
        let names = Self.names()
        for (id, m) in mnemonics.enumerated() {
            if let (op, variant) = names[m] { entries[id] = UInt16(op.rawValue) | UInt16(variant) << 8 }
        }
    }

    @inline(__always) @usableFromInline func entry(_ id: Int) -> (Op, UInt8) {
        guard id >= 0 && id < count else { return (.unsupported, 0) }
        let e = entries[id]
        return (Op(rawValue: UInt8(truncatingIfNeeded: e)) ?? .unsupported, UInt8(truncatingIfNeeded: e >> 8))
    }
}
