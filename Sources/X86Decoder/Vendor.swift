/// The CPU vendor whose decoding rules apply. Every vendor difference the decoder knows is
/// listed here, and nowhere else decides on the vendor except the opcode map's `intel`/`amd`
/// selectors:
///
/// - Near branches (`e8`, `e9`, `eb`, `0f 8x`, `c2`, `c3`, Jcc, and indirect `ff /2`, `ff /4`) with
///   66 in 64-bit mode: Intel ignores 66 (64-bit operand size, rel32); AMD honours it (16-bit
///   operand size, rel16, RIP truncated to 16 bits). `66 e8 2e 1b 88 e6` is 6 bytes on Intel,
///   4 on AMD (measured on Zen 3).
/// - UD0 (`0f ff`): Intel reads a ModRM byte, AMD does not (map lines `0f ff intel` / `amd`).
/// - SYSCALL/SYSRET in 16/32-bit mode and SYSENTER/SYSEXIT in 64-bit mode: decoded for both
///   (the CPU decides at execution; Zen 3 #UDs SYSENTER in 64-bit mode, measured).
/// - LOCK MOV CR0 is MOV CR8 on AMD (APM, MOV CRn; CPUID AltMovCr8): `f0 0f 20 c0` is
///   "mov rax, cr8", `f0 0f 22 c0` "mov cr8, rax". Intel: LOCK there is #UD. Zen 4 runs them
///   (to #GP at CPL 3) and raises #UD for any other CR (`f0 0f 20 c8`) and with REX.R
///   (`f0 44 0f 20 c0`).
/// - EVEX.b on a register form of an instruction with embedded broadcast and neither rounding
///   nor SAE (`62 f1 75 58 fe c1`, vpaddd): the SDM reserves it (#UD); Zen 4 ignores the bit and
///   uses the vector length L'L gives (measured: 128/256/512 bits for L'L 00/01/10, #UD for 11).
///   Byte/word forms (no broadcast) and scalar forms stay #UD there.
/// - EVEX.z with k0 on a form without masking that writes no mask register and no memory
///   (`62 f2 75 a8 dc c1`, vaesenc): the SDM reserves it; Zen 4 ignores it (measured on every
///   such form at L'L 00/01/10: vaesenc, vpclmulqdq, vpsadbw, vcomiss, vmovd/vmovq, scalar
///   conversions to and from GPRs, their memory-source forms too). Forms that write a mask
///   register (compares, vpmovb2m, vfpclass) or memory (`62 f1 7c 88 13 00`, vmovlps [rax];
///   vmovntdq, vpextrb to memory) and every other use of {z} stay #UD.
/// - Map lines with the `amd` selector: UD0 without ModRM; VPERMQ/VPERMPD (VEX 0F3A 00/01, L1)
///   with W0 (Zen 4 runs them as with W1; the APM lists W1 only); LOCK VERW m16 (Zen 4 runs
///   `f0 0f 00 28`; every other group-6 form and the register form #UD).
public enum Vendor: String, Sendable, CaseIterable, Codable {
    case intel
    case amd

    /// Whether 66 shortens a forced-64 (f64) near branch to 16 bits in 64-bit mode.
    @inline(__always) public var honoursOperandSizeOnNearBranches: Bool { self == .amd }
    /// Whether LOCK MOV CR0 means MOV CR8.
    @inline(__always) public var aliasesLockedMovCR0ToCR8: Bool { self == .amd }
    /// Whether EVEX.b on a register form of a broadcast form without rounding is ignored.
    @inline(__always) public var ignoresEvexBroadcastOnRegisterForms: Bool { self == .amd }
    /// Whether EVEX.z with k0 on a form without masking is ignored.
    @inline(__always) public var ignoresEvexZeroingWithoutMasking: Bool { self == .amd }
}
