import X86Emulator

/// What an execution oracle says about one instruction: the outcome, the exception (vector,
/// error code, #PF address), the state after (registers, RIP, RFLAGS, FS/GS bases), and the
/// memory writes, coalesced into runs of final byte values in address order.
///
/// `comparable` is false when the oracle could not answer for a reason that is not a
/// divergence (the emulator's `unsupported`, a Unicorn limitation); `note` says why.
public struct ExecutionResult: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case completed, exception, syscall, unsupported
    }

    public struct Exception: Sendable, Equatable, Codable {
        public var vector: String
        public var errorCode: UInt32?
        public var address: String?
    }

    public struct Write: Sendable, Equatable, Codable {
        public var address: String
        public var bytes: String
    }

    public var outcome: Outcome
    public var exception: Exception?
    public var state: CPUState
    public var writes: [(address: UInt64, bytes: [UInt8])]
    public var note: String?
    public var comparable: Bool { outcome != .unsupported }

    public init(outcome: Outcome, exception: Exception? = nil, state: CPUState, writes: [(address: UInt64, bytes: [UInt8])] = [], note: String? = nil) {
        self.outcome = outcome
        self.exception = exception
        self.state = state
        self.writes = writes
        self.note = note
    }

    public init(_ step: StepOutcome, state: CPUState, writtenBytes: [(address: UInt64, byte: UInt8)]) {
        var outcome = Outcome.completed
        var exception: Exception?
        var note: String?
        switch step {
        case .completed: break
        case .exception(let e):
            outcome = .exception
            exception = Exception(vector: e.vector.name, errorCode: e.errorCode, address: e.address.map { "0x" + String($0, radix: 16) })
        case .systemCall(let k):
            outcome = .syscall
            note = k.rawValue
        case .unsupported(let reason):
            outcome = .unsupported
            note = reason
        }
        self.init(outcome: outcome, exception: exception, state: state, writes: Self.coalesce(writtenBytes), note: note)
    }

    /// Final value per byte, then runs of consecutive addresses.
    public static func coalesce(_ bytes: [(address: UInt64, byte: UInt8)]) -> [(address: UInt64, bytes: [UInt8])] {
        var last: [UInt64: UInt8] = [:]
        for b in bytes { last[b.address] = b.byte }
        var runs: [(address: UInt64, bytes: [UInt8])] = []
        for a in last.keys.sorted() {
            if let r = runs.last, r.address &+ UInt64(r.bytes.count) == a {
                runs[runs.count - 1].bytes.append(last[a]!)
            } else {
                runs.append((a, [last[a]!]))
            }
        }
        return runs
    }

    public static func == (a: ExecutionResult, b: ExecutionResult) -> Bool {
        a.outcome == b.outcome && a.exception == b.exception && a.state == b.state && a.note == b.note
            && a.writes.elementsEqual(b.writes, by: { $0.address == $1.address && $0.bytes == $1.bytes })
    }

    /// The `--json` object of `difftest emulate`.
    public struct JSON: Codable, Equatable, Sendable {
        public var outcome: Outcome
        public var exception: Exception?
        public var reason: String?
        public var state: [String: String]
        public var writes: [Write]
    }

    public var json: JSON {
        JSON(
            outcome: outcome, exception: exception, reason: note, state: MachineState.registerFields(state),
            writes: writes.map { Write(address: "0x" + String($0.address, radix: 16), bytes: Hex.string($0.bytes)) })
    }
}
