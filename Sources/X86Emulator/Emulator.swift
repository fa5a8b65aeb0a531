import X86Decoder

/// The emulator: one CPU state, one memory bus, one environment; `step` decodes the
/// instruction at RIP with `X86Decoder` and executes it.
///
/// - `step()` returns `completed`, an architectural `exception`, a `systemCall`, or
///   `unsupported(reason)`. After an exception the state is the architectural state at the
///   fault: no register is written by a faulting instruction, and memory writes are ordered last
///   (REP string iterations that completed stay committed, as on the CPU).
/// - `run(budget:)` steps until anything but `completed`, or the budget of steps is spent.
/// - `skip()` advances RIP by the decoded length without executing (an introspection agent
///   jumping over an instruction); fetch faults and invalid encodings are still reported.
///
/// The bus is a generic parameter (static dispatch). A REP string instruction runs at most
/// `repIterationsPerStep` iterations in one step; if more remain, RIP stays on the instruction
/// with the registers as the CPU leaves them when interrupted between iterations, and the step
/// is `completed` (the next step continues it). So no bytes and no state make `step` hang.
public struct Emulator<B: Bus> {
    public var state: CPUState
    public var bus: B
    public var environment: Environment
    public let decoder: X86Decoder
    public var repIterationsPerStep = 1 << 16
    /// Linux sets CR0.AM: with EFLAGS.AC, a misaligned data access raises #AC.
    public var alignmentCheckEnabled = true

    @usableFromInline let handlers: HandlerTable
    /// RIP of the next instruction (control flow overwrites it); valid during `execute`.
    @usableFromInline var nextRIP: UInt64 = 0
    /// Length of the last instruction decoded by `step`/`skip` (0 if none was decoded).
    public private(set) var lastLength = 0
    /// A one-entry decode cache: the last instruction decoded, keyed by its address and the 15
    /// bytes fetched there. Code that writes itself simply misses (the bytes are compared on
    /// every step), so the cache never changes what is executed. The instruction is decoded in
    /// place here and executed from here (see `step`): no copy of it per step.
    @usableFromInline var cachedRIP: UInt64 = 1
    @usableFromInline var cachedBytes: (UInt64, UInt64) = (0, 0)
    @usableFromInline var cachedCount = -1
    @usableFromInline var cachedInstruction = Instruction()

    public init(state: CPUState = CPUState(), bus: B, environment: Environment = Environment()) {
        self.state = state
        self.bus = bus
        self.environment = environment
        decoder = X86Decoder(mode: .bits64, vendor: environment.profile)
        handlers = HandlerTable.shared
    }

    /// Fetches the instruction at RIP and makes `cachedInstruction` hold it (decoding it in
    /// place on a cache miss), or says why not.
    @inlinable mutating func fetchInstruction() -> X86Exception? {
        let rip = state.rip
        if !Self.isCanonical(rip) { return .gp0 }
        var raw: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &raw) { buffer -> X86Exception? in
            let window = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<15])
            let (count, fault) = bus.fetch(rip, into: window)
            let bytes = (buffer.load(fromByteOffset: 0, as: UInt64.self), buffer.load(fromByteOffset: 8, as: UInt64.self))
            if rip == cachedRIP && count == cachedCount && bytes == cachedBytes { return nil }
            // The keys are cleared first: a failed decode leaves a partial instruction behind.
            cachedCount = -1
            switch decoder.decode(UnsafeRawBufferPointer(rebasing: window[0..<count]), address: rip, into: &cachedInstruction) {
            case nil:
                cachedRIP = rip
                cachedCount = count
                cachedBytes = bytes
                return nil
            case .truncated?:
                if let fault { return .pageFault(fault.address, fetch: true, present: fault.present) }
                return .ud
            case .tooLong?: return .gp0
            case _?: return .ud
            }
        }
    }

    /// Executes one instruction. Specialized here for the project's own buses so that callers in
    /// other modules get static dispatch without inlining the whole emulator.
    @_specialize(exported: true, where B == RegionMemory)
    @_specialize(exported: true, where B == WriteDiscardBus<RegionMemory>)
    public mutating func step() -> StepOutcome {
        if let e = fetchInstruction() {
            lastLength = 0
            return .exception(e)
        }
        // Executes `cachedInstruction` where it lies: passing the stored property itself would
        // copy it (a few hundred bytes, a third of a fresh-state step) because `execute`
        // mutates `self`. Through pointers the compiler borrows it in place; nothing in
        // `execute` writes the decode cache.
        return withUnsafeMutablePointer(to: &self) { me in
            withUnsafeMutablePointer(to: &me.pointee.cachedInstruction) { instruction in
                me.pointee.stepDecoded(instruction.pointee)
            }
        }
    }

    /// `step` after the fetch: executes `instruction` (the decode cache's).
    @inline(__always) mutating func stepDecoded(_ instruction: Instruction) -> StepOutcome {
        lastLength = instruction.length
        let singleStep = state.rflags & RFlags.trap != 0
        let (op, variant) = handlers.entry(instruction.mnemonicID)
        while true {
            nextRIP = state.rip &+ UInt64(instruction.length)
            do {
                try execute(instruction, op, variant)
                state.rip = nextRIP
                if singleStep { return .exception(X86Exception(.DB)) }
                return .completed
            } catch {
                switch error {
                case .retry: continue
                case .exception(let e):
                    // Traps report the RIP after the instruction; faults the RIP at it.
                    if e.vector == .BP || e.vector == .DB || e.vector == .OF { state.rip = nextRIP }
                    return .exception(e)
                case .systemCall(let kind):
                    state.rip = nextRIP
                    return .systemCall(kind)
                case .unsupported(let reason): return .unsupported(reason)
                }
            }
        }
    }

    /// Steps until an outcome other than `completed`, or `budget` steps.
    @_specialize(exported: true, where B == RegionMemory)
    @_specialize(exported: true, where B == WriteDiscardBus<RegionMemory>)
    public mutating func run(budget: Int) -> (outcome: StepOutcome, steps: Int) {
        var steps = 0
        while steps < budget {
            let outcome = step()
            steps += 1
            if outcome != .completed { return (outcome, steps) }
        }
        return (.completed, steps)
    }

    /// Advances RIP over the instruction without executing it.
    @_specialize(exported: true, where B == RegionMemory)
    @_specialize(exported: true, where B == WriteDiscardBus<RegionMemory>)
    public mutating func skip() -> StepOutcome {
        if let e = fetchInstruction() {
            lastLength = 0
            return .exception(e)
        }
        lastLength = cachedInstruction.length
        state.rip &+= UInt64(cachedInstruction.length)
        return .completed
    }

    @inline(__always) @usableFromInline static func isCanonical(_ a: UInt64) -> Bool {
        UInt64(bitPattern: Int64(bitPattern: a << 16) >> 16) == a
    }
}
