import X86Decoder
import X86Emulator

/// Runs instruction bytes natively and on the emulator over a list of contexts; collects the
/// cases that disagree (registers, or RFLAGS under `flagMask`).
struct NativeComparison {
    static let statusFlags: UInt64 = 0x8D5

    struct Mismatch: CustomStringConvertible {
        var bytes: [UInt8]
        var input: NativeCPU.Context
        var native: NativeCPU.Context
        var emulated: NativeCPU.Context
        var outcome: StepOutcome

        var description: String {
            var parts = ["bytes \(bytes.map { String($0, radix: 16) }.joined(separator: " "))", "outcome \(outcome)"]
            for n in 0..<17 where native.r[n] != emulated.r[n] {
                let name = n == 16 ? "rflags" : CPUState.gprNames[n]
                parts.append("\(name): in 0x\(String(input.r[n], radix: 16)) cpu 0x\(String(native.r[n], radix: 16)) emu 0x\(String(emulated.r[n], radix: 16))")
            }
            parts.append("inputs rax=0x\(String(input.r[0], radix: 16)) rcx=0x\(String(input.r[1], radix: 16)) rdx=0x\(String(input.r[2], radix: 16)) rflags=0x\(String(input.r[16], radix: 16))")
            return parts.joined(separator: "; ")
        }
    }

    var compared = 0
    var mismatches: [Mismatch] = []
    var mismatchCount = 0

    /// With `skipFaulting`, cases the emulator says fault (#DE…) are not run natively (the stub
    /// has no signal handler) and not counted.
    mutating func compare(_ bytes: [UInt8], _ contexts: some Sequence<NativeCPU.Context>, flagMask: UInt64 = statusFlags, skipFaulting: Bool = false) {
        let native = NativeCPU(bytes)
        var emulated = EmulatedCPU(bytes)
        for input in contexts {
            var e = input
            let outcome = emulated.run(&e)
            if skipFaulting, case .exception = outcome { continue }
            var n = input
            native.run(&n)
            compared += 1
            var same = outcome == .completed
            for k in 0..<16 where k != 4 && n.r[k] != e.r[k] { same = false }
            if (n.r[16] ^ e.r[16]) & flagMask != 0 { same = false }
            if !same {
                mismatchCount += 1
                if mismatches.count < 8 { mismatches.append(Mismatch(bytes: bytes, input: input, native: n, emulated: e, outcome: outcome)) }
            }
        }
    }

    var report: String { mismatches.map(\.description).joined(separator: "\n") }
}

extension NativeCPU.Context {
    init(rax: UInt64 = 0, rcx: UInt64 = 0, rdx: UInt64 = 0, rbx: UInt64 = 0, flags: UInt64 = 0x202) {
        self.init()
        r[0] = rax
        r[1] = rcx
        r[2] = rdx
        r[3] = rbx
        r[5] = 0x5555_5555_5555_5555
        r[6] = 0x6666_6666_6666_6666
        r[7] = 0x7777_7777_7777_7777
        for k in 8..<16 { r[k] = 0x0808_0808_0808_0808 &* UInt64(k) }
        r[16] = flags
    }
}
