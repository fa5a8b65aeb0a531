import X86Decoder
import X86Emulator

/// The checks of the emulator fuzz target (issue 6), for one input: the code is run for up to
/// `stepBudget` steps; before every step the state and memory are copied and the step is
/// done three ways, from fresh emulators over the same state:
///
/// - A: `step()` over a `RecordingBus` (the normal step; the writes it made are recorded),
/// - B: `step()` over a `WriteDiscardBus`,
/// - C: `skip()`.
///
/// Checks:
/// - `write-discard`: A and B give the same outcome, state and instruction length; B's base
///   memory is untouched; B reports exactly A's writes, and they account for every byte A
///   changed.
/// - `skip-vs-step`: C's outcome is an exception exactly when A failed to fetch or decode (the
///   same exception); otherwise the same length, and for a non-branching instruction that
///   retired (or trapped, or entered a system call) the same next RIP (a REP string
///   instruction may stay on itself: interrupted after `repIterationsPerStep` iterations).
/// - `architectural-state`: a fault (any exception but the #BP/#DB traps) leaves registers,
///   RIP, RFLAGS and memory as before the instruction, except a REP string instruction's
///   committed iterations (RCX, RSI, RDI, RAX, status flags, memory); `unsupported` changes
///   nothing; a system call changes only RIP (to the next instruction); #BP changes only RIP.
/// - `run`: `run(budget:)` from the initial state ends where the step-by-step walk ended.
/// - no trap, no hang: any trap is a crash of the target; each step is bounded
///   (`repIterationsPerStep`), the walk by `stepBudget`, so a slow input is an emulator bug
///   that libFuzzer's `-timeout` reports.
public struct EmulatorChecks: Sendable {
    public static let stepBudget = 16

    public init() {}

    public func check(_ data: UnsafeRawBufferPointer) -> FuzzFailure? {
        check(EmulatorFuzzInput(data))
    }

    public func check(_ input: EmulatorFuzzInput) -> FuzzFailure? {
        var mnemonic = "-"
        guard var failure = firstFailure(input, &mnemonic) else { return nil }
        failure.key = mnemonic
        return failure
    }

    func firstFailure(_ input: EmulatorFuzzInput, _ mnemonic: inout String) -> FuzzFailure? {
        var state = input.state
        var memory = input.memory
        // One environment per emulator line, kept across steps: RDTSC counts the same in A and B.
        let envA = Environment(profile: input.profile), envB = Environment(profile: input.profile)
        let decoder = X86Decoder(mode: .bits64, vendor: input.profile)
        var steps = 0
        var last: StepOutcome = .completed
        while steps < Self.stepBudget {
            let before = state
            // The instruction, as the emulator fetches it (nil when fetch or decode fails).
            let instruction = fetch(decoder, memory, before.rip)
            mnemonic = instruction?.mnemonic ?? "-"
            var a = Emulator(state: before, bus: RecordingBus(memory), environment: envA)
            var b = Emulator(state: before, bus: WriteDiscardBus(memory), environment: envB)
            var c = Emulator(state: before, bus: memory, environment: Environment(profile: input.profile))
            configure(&a, input)
            configure(&b, input)
            configure(&c, input)
            let outA = a.step(), outB = b.step(), outC = c.skip()
            steps += 1
            let where_ = "step \(steps) at rip \(hex64(before.rip))"

            // write-discard
            if outA != outB { return FuzzFailure("write-discard", "\(where_): outcome \(outA) normal, \(outB) write-discard") }
            if a.state != b.state { return FuzzFailure("write-discard", "\(where_): state differs: \(stateDifference(a.state, b.state))") }
            if a.lastLength != b.lastLength { return FuzzFailure("write-discard", "\(where_): length \(a.lastLength) vs \(b.lastLength)") }
            if b.bus.base.regions != memory.regions { return FuzzFailure("write-discard", "\(where_): the base memory was written") }
            if a.bus.writes != b.bus.writes {
                return FuzzFailure("write-discard", "\(where_): writes \(a.bus.writes) normal, \(b.bus.writes) write-discard")
            }
            var replayed = memory
            for w in b.bus.writes { _ = replayed.write(w.address, size: w.size, value: w.value) }
            if replayed.regions != a.bus.base.regions {
                return FuzzFailure("write-discard", "\(where_): the reported writes do not account for the memory the normal step changed")
            }

            // skip-vs-step
            switch outC {
            case .exception(let e):
                if outA != .exception(e) { return FuzzFailure("skip-vs-step", "\(where_): skip \(outC), step \(outA)") }
                if instruction != nil { return FuzzFailure("skip-vs-step", "\(where_): skip \(outC) on a decodable instruction") }
            case .completed:
                guard let i = instruction else { return FuzzFailure("skip-vs-step", "\(where_): skip completed on bytes that do not decode") }
                if c.lastLength != i.length || c.state.rip != before.rip &+ UInt64(i.length) {
                    return FuzzFailure("skip-vs-step", "\(where_): skip went to \(hex64(c.state.rip)) (length \(c.lastLength)), instruction is \(i.length) bytes")
                }
                if a.lastLength != i.length { return FuzzFailure("skip-vs-step", "\(where_): step length \(a.lastLength), skip \(c.lastLength)") }
                let retired: Bool
                switch outA {
                case .completed, .systemCall: retired = true
                case .exception(let e): retired = e.vector == .BP || (e.vector == .DB && (before.rflags & RFlags.trap != 0 || i.mnemonic == "int1"))
                case .unsupported: retired = false
                }
                let interruptedRep = Self.isRepString(i) && a.state.rip == before.rip
                if retired && !Self.isBranch(i) && !interruptedRep && a.state.rip != c.state.rip {
                    return FuzzFailure("skip-vs-step", "\(where_): \(i.mnemonic) step went to \(hex64(a.state.rip)), skip to \(hex64(c.state.rip))")
                }
            default:
                return FuzzFailure("skip-vs-step", "\(where_): skip returned \(outC)")
            }

            // architectural-state
            if let problem = architecturalProblem(outA, before, a.state, memory, a.bus.base, instruction) {
                return FuzzFailure("architectural-state", "\(where_): \(problem)")
            }

            state = a.state
            memory = a.bus.base
            last = outA
            if outA != .completed { break }
        }

        // run(budget:) walks the same way.
        var r = Emulator(state: input.state, bus: input.memory, environment: Environment(profile: input.profile))
        configure(&r, input)
        let (outcome, runSteps) = r.run(budget: Self.stepBudget)
        if outcome != last || runSteps != steps || r.state != state || r.bus.regions != memory.regions {
            return FuzzFailure("run", "run(budget:) ended with \(outcome) after \(runSteps) steps at \(hex64(r.state.rip)); stepping: \(last) after \(steps) at \(hex64(state.rip))")
        }
        return nil
    }

    func configure<B: Bus>(_ e: inout Emulator<B>, _ input: EmulatorFuzzInput) {
        e.alignmentCheckEnabled = input.alignmentCheck
        e.repIterationsPerStep = input.repIterationsPerStep
    }

    func fetch(_ d: X86Decoder, _ memory: RegionMemory, _ rip: UInt64) -> Instruction? {
        var m = memory
        var buffer = [UInt8](repeating: 0, count: 15)
        let count = buffer.withUnsafeMutableBytes { m.fetch(rip, into: $0).count }
        return d.decode(Array(buffer[0..<count]), address: rip).instruction
    }

    /// What the architectural-state check finds wrong after an outcome other than `completed`.
    func architecturalProblem(_ outcome: StepOutcome, _ before: CPUState, _ after: CPUState, _ memBefore: RegionMemory,
                              _ memAfter: RegionMemory, _ i: Instruction?) -> String? {
        let length = UInt64(i?.length ?? 0)
        switch outcome {
        case .completed:
            return nil
        case .unsupported(let reason):
            if after != before { return "unsupported (\(reason)) changed the state: \(stateDifference(before, after))" }
            if memAfter.regions != memBefore.regions { return "unsupported (\(reason)) changed memory" }
        case .systemCall(let kind):
            var expected = before
            expected.rip = before.rip &+ length
            if after != expected { return "\(kind.rawValue) changed more than RIP: \(stateDifference(expected, after))" }
            if memAfter.regions != memBefore.regions { return "\(kind.rawValue) changed memory" }
        case .exception(let e):
            if e.vector == .DB && before.rflags & RFlags.trap != 0 { return nil }  // single-step trap: the state after
            var expected = before
            if e.vector == .BP || e.vector == .DB || e.vector == .OF { expected.rip = before.rip &+ length }
            if let i, Self.isRepString(i) && e.vector != .BP && e.vector != .DB {
                // Committed iterations: RCX RSI RDI RAX and the status flags may have moved.
                for r in [0, 1, 6, 7] { expected.gpr[r] = after.gpr[r] }
                expected.rflags = expected.rflags & ~RFlags.status | after.rflags & RFlags.status
                if after != expected { return "\(e.vector.name) in \(i.mnemonic) changed more than its REP registers: \(stateDifference(expected, after))" }
                return nil
            }
            if after != expected { return "\(e.vector.name) changed the state: \(stateDifference(expected, after))" }
            // ENTER commits the pushes made before its fault, as the CPU does (measured on Zen 4
            // by the native oracle: `c8 00 10 00` pushes RBP, then #PF on the new RSP).
            if memAfter.regions != memBefore.regions && i?.mnemonic != "enter" { return "\(e.vector.name) changed memory" }
        }
        return nil
    }

    static func isRepString(_ i: Instruction) -> Bool {
        guard i.map == .legacy, i.repPrefix != 0 else { return false }
        let m = i.mnemonic
        return ["movs", "cmps", "scas", "lods", "stos"].contains { m.hasPrefix($0) }
    }

    /// Instructions that may write RIP with something other than the next instruction's address.
    static func isBranch(_ i: Instruction) -> Bool {
        let m = i.mnemonic
        return m.hasPrefix("j") || m.hasPrefix("call") || m.hasPrefix("ret") || m.hasPrefix("loop") || m.hasPrefix("iret")
            || m.hasPrefix("int") || m.hasPrefix("sys") || m.hasPrefix("xbegin") || m.hasPrefix("xabort")
    }
}

func hex64(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

/// The registers that differ between two states, as `name a→b`.
public func stateDifference(_ a: CPUState, _ b: CPUState) -> String {
    var parts: [String] = []
    for r in 0..<16 where a.gpr[r] != b.gpr[r] { parts.append("\(CPUState.gprNames[r]) \(hex64(a.gpr[r]))→\(hex64(b.gpr[r]))") }
    if a.rip != b.rip { parts.append("rip \(hex64(a.rip))→\(hex64(b.rip))") }
    if a.rflags != b.rflags { parts.append("rflags \(hex64(a.rflags))→\(hex64(b.rflags))") }
    for s in 0..<6 where a.segments[s] != b.segments[s] { parts.append("sreg\(s) \(a.segments[s])→\(b.segments[s])") }
    if a.fsBase != b.fsBase { parts.append("fsbase \(hex64(a.fsBase))→\(hex64(b.fsBase))") }
    if a.gsBase != b.gsBase { parts.append("gsbase \(hex64(a.gsBase))→\(hex64(b.gsBase))") }
    return parts.isEmpty ? "(none)" : parts.joined(separator: ", ")
}
