import X86Decoder

/// Which instruction-set extensions this CPU lacks, for the native oracles: a CPU raises #UD
/// for every instruction of an extension it does not implement (Zen 4: 3DNow!, XOP, FMA4, TBM,
/// AVX512-FP16, AMX, Key Locker …), so its verdict on such bytes says nothing about the
/// decoder. The extension of a buffer is Zydis' ISA set (`meta.isa_set`: a fact Zydis records
/// per form), the presence of the extension is the CPUID bit the SDM / APM name for it.
/// Extensions without an entry here count as present (their #UD stays a finding).
/// One instance per thread (it owns a ZydisOracle).
public final class NativeFeatures {
    /// A CPUID feature bit: leaf, subleaf, register (0 EAX, 1 EBX, 2 ECX, 3 EDX), bit.
    public struct Bit: Sendable, Equatable {
        public var leaf: UInt32
        public var subleaf: UInt32
        public var register: Int
        public var bit: Int
    }

    /// Zydis ISA-set name prefix -> the CPUID bit of the extension (SDM Vol. 2 "CPUID", APM
    /// Vol. 3 appendix E). Longest prefixes first where they nest.
    public static let bits: [(isaSet: String, name: String, bit: Bit)] = [
        ("AMD3DNOW", "3DNow!", Bit(leaf: 0x8000_0001, subleaf: 0, register: 3, bit: 31)),
        ("XOP", "XOP", Bit(leaf: 0x8000_0001, subleaf: 0, register: 2, bit: 11)),
        ("FMA4", "FMA4", Bit(leaf: 0x8000_0001, subleaf: 0, register: 2, bit: 16)),
        ("TBM", "TBM", Bit(leaf: 0x8000_0001, subleaf: 0, register: 2, bit: 21)),
        ("LWP", "LWP", Bit(leaf: 0x8000_0001, subleaf: 0, register: 2, bit: 15)),
        ("SSE4A", "SSE4A", Bit(leaf: 0x8000_0001, subleaf: 0, register: 2, bit: 6)),
        ("AVX512_FP16", "AVX512-FP16", Bit(leaf: 7, subleaf: 0, register: 3, bit: 23)),
        ("AVX512_4FMAPS", "AVX512-4FMAPS", Bit(leaf: 7, subleaf: 0, register: 3, bit: 3)),
        ("AVX512_4VNNIW", "AVX512-4VNNIW", Bit(leaf: 7, subleaf: 0, register: 3, bit: 2)),
        ("AVX512_VP2INTERSECT", "AVX512-VP2INTERSECT", Bit(leaf: 7, subleaf: 0, register: 3, bit: 8)),
        ("AVX512ER", "AVX512ER", Bit(leaf: 7, subleaf: 0, register: 1, bit: 27)),
        ("AVX512PF", "AVX512PF", Bit(leaf: 7, subleaf: 0, register: 1, bit: 26)),
        ("AVX512_BF16", "AVX512-BF16", Bit(leaf: 7, subleaf: 1, register: 0, bit: 5)),
        ("AVX_VNNI", "AVX-VNNI", Bit(leaf: 7, subleaf: 1, register: 0, bit: 4)),
        ("AMX_TILE", "AMX-TILE", Bit(leaf: 7, subleaf: 0, register: 3, bit: 24)),
        ("AMX_BF16", "AMX-BF16", Bit(leaf: 7, subleaf: 0, register: 3, bit: 22)),
        ("AMX_INT8", "AMX-INT8", Bit(leaf: 7, subleaf: 0, register: 3, bit: 25)),
        ("KEYLOCKER_WIDE", "Key Locker (wide)", Bit(leaf: 0x19, subleaf: 0, register: 1, bit: 2)),
        ("KEYLOCKER", "Key Locker", Bit(leaf: 7, subleaf: 0, register: 2, bit: 23)),
        ("MPX", "MPX", Bit(leaf: 7, subleaf: 0, register: 1, bit: 14)),
        ("PREFETCHWT1", "PREFETCHWT1", Bit(leaf: 7, subleaf: 0, register: 2, bit: 0)),
        ("UINTR", "UINTR", Bit(leaf: 7, subleaf: 0, register: 3, bit: 5)),
        ("SERIALIZE", "SERIALIZE", Bit(leaf: 7, subleaf: 0, register: 3, bit: 14)),
        ("TSX_LDTRK", "TSXLDTRK", Bit(leaf: 7, subleaf: 0, register: 3, bit: 16)),
        ("HRESET", "HRESET", Bit(leaf: 7, subleaf: 1, register: 0, bit: 22)),
        ("ENQCMD", "ENQCMD", Bit(leaf: 7, subleaf: 0, register: 2, bit: 29)),
        ("WAITPKG", "WAITPKG", Bit(leaf: 7, subleaf: 0, register: 2, bit: 5)),
        ("CLDEMOTE", "CLDEMOTE", Bit(leaf: 7, subleaf: 0, register: 2, bit: 25)),
        ("RTM", "RTM", Bit(leaf: 7, subleaf: 0, register: 1, bit: 11)),
        ("VTX", "VMX", Bit(leaf: 1, subleaf: 0, register: 2, bit: 5)),
        ("SMX", "SMX", Bit(leaf: 1, subleaf: 0, register: 2, bit: 6)),
        ("MOVDIR", "MOVDIRI/MOVDIR64B", Bit(leaf: 7, subleaf: 0, register: 2, bit: 27)),
        ("SGX", "SGX", Bit(leaf: 7, subleaf: 0, register: 1, bit: 2)),
        ("PT", "Intel PT (PTWRITE)", Bit(leaf: 7, subleaf: 0, register: 1, bit: 25)),
        ("PCONFIG", "PCONFIG", Bit(leaf: 7, subleaf: 0, register: 3, bit: 18)),
        // RDPKRU/WRPKRU: "#UD if CR4.PKE = 0" (SDM); OSPKE (ECX[4]) mirrors CR4.PKE, so a CPU with
        // PKU whose OS leaves it off (this KVM guest: `0f 01 ef` #UD) is covered too.
        ("PKU", "PKU (CR4.PKE off)", Bit(leaf: 7, subleaf: 0, register: 2, bit: 4)),
        // VIA PadLock units: Centaur leaf C000_0001h EDX, the "present" bit of each unit.
        ("PADLOCK_RNG", "VIA PadLock RNG", Bit(leaf: 0xC000_0001, subleaf: 0, register: 3, bit: 2)),
        ("PADLOCK_ACE", "VIA PadLock ACE", Bit(leaf: 0xC000_0001, subleaf: 0, register: 3, bit: 6)),
        ("PADLOCK_PHE", "VIA PadLock PHE", Bit(leaf: 0xC000_0001, subleaf: 0, register: 3, bit: 10)),
        ("PADLOCK_PMM", "VIA PadLock PMM", Bit(leaf: 0xC000_0001, subleaf: 0, register: 3, bit: 12)),
    ]

    /// Forms Zydis 4.0 does not decode (so it names no ISA set), by the project's mnemonic.
    public static let byMnemonic: [(mnemonics: Set<String>, name: String, bit: Bit)] = [
        // LKGS (f2 0f 00 /6): CPUID.(EAX=7,ECX=1):EAX[18] (SDM Vol. 2 LKGS).
        (["lkgs"], "LKGS", Bit(leaf: 7, subleaf: 1, register: 0, bit: 18)),
        // WRMSRNS (0f 01 c6): CPUID.(EAX=7,ECX=1):EAX[19] (SDM Vol. 2 WRMSRNS). Zen 4: #UD.
        (["wrmsrns"], "WRMSRNS", Bit(leaf: 7, subleaf: 1, register: 0, bit: 19)),
        // FRED's ERETS/ERETU (f2/f3 0f 01 ca): CPUID.(EAX=7,ECX=1):EAX[17]; MSRLIST's RDMSRLIST/
        // WRMSRLIST (f2/f3 0f 01 c6): EAX[27] (SDM). Zydis 4.0 lacks them; Zen 4: #UD.
        (["erets", "eretu"], "FRED", Bit(leaf: 7, subleaf: 1, register: 0, bit: 17)),
        (["rdmsrlist", "wrmsrlist"], "MSRLIST", Bit(leaf: 7, subleaf: 1, register: 0, bit: 27)),
        // RDPRU (0f 01 fd): CPUID Fn8000_0008_EBX[4] (APM RDPRU). This KVM guest: #UD.
        (["rdpru"], "RDPRU", Bit(leaf: 0x8000_0008, subleaf: 0, register: 1, bit: 4)),
        // INVLPGB/TLBSYNC (0f 01 fe/ff): CPUID Fn8000_0008_EBX[3] (APM). This KVM guest: #UD.
        (["invlpgb", "tlbsync"], "INVLPGB", Bit(leaf: 0x8000_0008, subleaf: 0, register: 1, bit: 3)),
        // SEV-SNP (RMPREAD, RMPQUERY, RMPADJUST, RMPUPDATE, PSMASH, PVALIDATE: f2/f3 0f 01 fd-ff,
        // f2 0f 01 ff): CPUID Fn8000_001F_EAX[4] (APM). This KVM guest: #UD.
        (["rmpread", "rmpquery", "rmpadjust", "rmpupdate", "psmash", "pvalidate"], "SEV-SNP",
         Bit(leaf: 0x8000_001F, subleaf: 0, register: 0, bit: 4)),
        // MCOMMIT (f3 0f 01 fa): CPUID Fn8000_0008_EBX[8] (APM). This KVM guest: #UD.
        (["mcommit"], "MCOMMIT", Bit(leaf: 0x8000_0008, subleaf: 0, register: 1, bit: 8)),
        // VMFUNC (0f 01 d4): VMX non-root only; #UD without VMX (CPUID.1:ECX[5]), as on any AMD.
        (["vmfunc"], "VMX (VMFUNC)", Bit(leaf: 1, subleaf: 0, register: 2, bit: 5)),
    ]

    private let zydis: ZydisOracle?
    /// Presence of each entry of `bits` (and of `byMnemonic`) on this CPU, in order: CPUID is a
    /// VM exit under a hypervisor, so it is asked once.
    public let present: [Bool]
    let presentByMnemonic: [Bool]

    public init() {
        zydis = try? ZydisOracle()
        present = Self.bits.map { Self.cpuHas($0.bit) }
        presentByMnemonic = Self.byMnemonic.map { Self.cpuHas($0.bit) }
    }

    /// The CPUID bit is set (and its leaf exists: the top leaf of its range, 0, 8000_0000h or
    /// C000_0000h, must reach it).
    public static func cpuHas(_ b: Bit) -> Bool {
        let range = b.leaf & 0xF000_0000
        let top = HostCPU.cpuid(range)[0]
        guard top & 0xF000_0000 == range, b.leaf <= top else { return false }
        return HostCPU.cpuid(b.leaf, b.subleaf)[b.register] >> UInt32(b.bit) & 1 == 1
    }

    /// Zydis' ISA-set name for the first instruction of `bytes` (`AVX512_FP16_128`), if it
    /// decodes them.
    public func isaSet(_ bytes: [UInt8], mode: Mode) -> String? { zydis?.isaSet(bytes, mode: mode, vendor: .intel) }

    /// `bytes` with EVEX.z cleared, then b too, then L'L too: the same form, for Zydis to name
    /// its ISA set when it rejects the decorations (the AMD profile accepts some:
    /// `62 f2 7f 58 68 c1`, vp2intersectd with b on a register form, is AVX512_VP2INTERSECT like
    /// `62 f2 7f 48 68 c1`; `62 f5 fe f8 78 c0`, vcvttsh2usi {rz-sae} with {z}, is AVX512_FP16).
    static func withoutEvexDecorations(_ bytes: [UInt8], mode: Mode) -> [[UInt8]] {
        let p = PrefixScan(bytes, mode)
        guard p.evex != nil, p.opcode + 3 < bytes.count else { return [] }
        return ([0x7F, 0x6F, 0x0F] as [UInt8]).map { keep in
            var twin = bytes
            twin[p.opcode + 3] &= keep
            return twin
        }
    }

    /// Extensions the sandbox leaves switched off even where the CPU has them: CET shadow-stack
    /// instructions (WRSS, WRUSS, SETSSBSY …) raise #UD unless the OS enables shadow stacks for
    /// the process, and the sandbox's child does not ask for them (its ENDBR, RDSSP and INCSSP
    /// are NOPs then and never #UD, so they stay compared).
    public static let offInSandbox: [(isaSet: String, name: String)] = [("CET", "CET shadow stacks (off in the sandbox)")]

    /// The name of the extension `bytes` belong to when this CPU lacks it (`XOP`), or when the
    /// sandbox keeps it off, else nil. `mnemonic` (the project's) covers forms Zydis lacks.
    public func missingExtension(_ bytes: [UInt8], mode: Mode, mnemonic: String? = nil) -> String? {
        if let m = mnemonic, let k = Self.byMnemonic.firstIndex(where: { $0.mnemonics.contains(m) }) {
            return presentByMnemonic[k] ? nil : Self.byMnemonic[k].name
        }
        guard let set = isaSet(bytes, mode: mode)
            ?? Self.withoutEvexDecorations(bytes, mode: mode).lazy.compactMap({ self.isaSet($0, mode: mode) }).first
        else { return nil }
        for entry in Self.offInSandbox where set.hasPrefix(entry.isaSet) { return entry.name }
        for (k, entry) in Self.bits.enumerated() where set.hasPrefix(entry.isaSet) {
            return present[k] ? nil : entry.name
        }
        return nil
    }
}
