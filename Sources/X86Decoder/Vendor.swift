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
public enum Vendor: String, Sendable, CaseIterable, Codable {
    case intel
    case amd

    /// Whether 66 shortens a forced-64 (f64) near branch to 16 bits in 64-bit mode.
    @inline(__always) public var honoursOperandSizeOnNearBranches: Bool { self == .amd }
}
