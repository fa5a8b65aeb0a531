import X86Decoder

/// What the emulator asks of the world outside the CPU state: the vendor profile (undefined
/// flags and vendor differences), the host's user-mode descriptor table (segment loads), and
/// hooks for the instructions whose answers are not a function of the state (CPUID, RDTSC,
/// RDTSCP, RDRAND, RDSEED, RDPID). The hooks are closures: they run on rare instructions only.
///
/// The defaults are deterministic, so one case gives one answer: CPUID returns zeros, the TSC
/// counts up by one per read from 0, RDRAND/RDSEED return `0x5eed…` (success), TSC_AUX is 0.
public struct Environment {
    /// Whose undefined-flag behaviour and vendor differences to follow. `amd` is checked
    /// against this project's AMD host (tests compare with the CPU); `intel` follows the
    /// documented/commonly observed Intel behaviour where the families say so.
    public var profile: Vendor
    public var descriptors: DescriptorProfile
    /// CPUID (leaf, subleaf) → EAX, EBX, ECX, EDX.
    public var cpuid: (UInt32, UInt32) -> (UInt32, UInt32, UInt32, UInt32)
    public var rdtsc: () -> UInt64
    /// IA32_TSC_AUX (RDTSCP's ECX, RDPID's result).
    public var tscAux: UInt32
    /// RDRAND/RDSEED of `size` bytes: a value, or nil for "no entropy" (CF=0, destination 0).
    public var rdrand: (Int) -> UInt64?
    public var rdseed: (Int) -> UInt64?

    public init(profile: Vendor = .amd, descriptors: DescriptorProfile = .linux64) {
        self.profile = profile
        self.descriptors = descriptors
        cpuid = { _, _ in (0, 0, 0, 0) }
        var tsc: UInt64 = 0
        rdtsc = {
            tsc &+= 1
            return tsc
        }
        tscAux = 0
        rdrand = { size in 0x5EED_5EED_5EED_5EED & Width.mask(size) }
        rdseed = { size in 0x5EED_5EED_5EED_5EED & Width.mask(size) }
    }
}

/// The host's descriptor tables as user mode sees them, for segment-register loads.
public struct DescriptorProfile: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Writable data segment with this DPL and base.
        case data(dpl: UInt8, base: UInt64)
        /// Code segment (readable) with this DPL; `long` for 64-bit code.
        case code(dpl: UInt8, long: Bool)
        /// A system descriptor (TSS, LDT) or an empty slot: loads #GP.
        case system
    }

    /// GDT entries by index; indexes past `gdtEntries` are beyond the limit.
    public var gdt: [Int: Kind]
    public var gdtEntries: Int
    /// Software interrupt vectors whose IDT gates have DPL 3 (INT n for others is #GP).
    public var userVectors: Set<UInt8>
    /// Whether loading a null selector into FS/GS clears the base (Intel; AMD Zen 2 and later).
    public var nullSelectorClearsBase: Bool

    /// Linux x86-64 (arch/x86/include/asm/segment.h): 0x10 kernel CS, 0x18 kernel DS, 0x23
    /// user32 CS, 0x2b user DS/SS, 0x33 user CS, 0x7b per-CPU data (LSL's CPU number); TSS and
    /// LDT are system descriptors, TLS slots 12–14 empty unless set_thread_area was called.
    /// INT3 (3) and INT 0x80 are the DPL3 gates.
    public static let linux64 = DescriptorProfile(
        gdt: [
            1: .code(dpl: 0, long: false), 2: .code(dpl: 0, long: true), 3: .data(dpl: 0, base: 0),
            4: .code(dpl: 3, long: false), 5: .data(dpl: 3, base: 0), 6: .code(dpl: 3, long: true),
            15: .data(dpl: 3, base: 0),
        ],
        gdtEntries: 16, userVectors: [3, 4, 0x80], nullSelectorClearsBase: true)
}
