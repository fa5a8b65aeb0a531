import Foundation
import X86Decoder

/// `difftest bench decode`: every subject walks the same buffer linearly (advance by the
/// length when valid, by one byte when not) in one run, so the ratios compare like with like.
public struct DecodeBenchmark {
    public struct Measurement: Codable, Sendable {
        public var workload: String
        public var subject: String
        public var instructionsPerSecond: Double
        public var bytesPerSecond: Double
    }

    public static let subjects = ["project-length", "project-full", "capstone", "capstone-detail", "zydis-minimal", "zydis-full"]
    /// Subjects run only when named: `walk-floor` is the walk itself with a step that reads
    /// one byte (what the harness costs per step, the ceiling no subject can pass).
    public static let extraSubjects = ["walk-floor"]

    public var secondsPerSubject: Double

    public init(secondsPerSubject: Double) { self.secondsPerSubject = secondsPerSubject }

    /// Runs every subject over `bytes` and returns one measurement each. The time is split
    /// into `rounds` slices and the subjects take turns slice by slice, so a change in the
    /// machine's load during the run weighs on every subject alike (the ratios are what count).
    public func run(workload: String, bytes: [UInt8], mode: Mode = .bits64, subjects: [String] = DecodeBenchmark.subjects, rounds: Int = 4) throws -> [Measurement] {
        let capstone = try CapstoneOracle()
        let zydis = try ZydisOracle()
        let decoder = X86Decoder(mode: mode, vendor: .intel)
        var totals = [String: (instructions: Int, consumed: Int, seconds: Double)]()
        let slice = secondsPerSubject / Double(max(1, rounds))
        for round in 0..<max(1, rounds) {
            for subject in subjects {
                let (instructions, consumed, seconds) = bytes.withUnsafeBytes { buffer -> (Int, Int, Double) in
                    // Each slice starts where the subject left off, so the rounds add up to
                    // one walk over the buffer.
                    let start = (totals[subject]?.consumed ?? 0) % max(1, buffer.count - 16)
                    let warm = round == 0
                    switch subject {
                    case "project-length":
                        var s = ProjectLength(decoder: decoder)
                        return Self.walk(buffer, from: start, seconds: slice, warmUp: warm, subject: &s)
                    case "walk-floor":
                        var s = WalkFloor()
                        return Self.walk(buffer, from: start, seconds: slice, warmUp: warm, subject: &s)
                    case "project-full":
                        var s = ProjectFull(decoder: decoder)
                        return Self.walk(buffer, from: start, seconds: slice, warmUp: warm, subject: &s)
                    case "capstone", "capstone-detail":
                        var s = CapstoneSubject(oracle: capstone, mode: mode, detail: subject == "capstone-detail")
                        return Self.walk(buffer, from: start, seconds: slice, warmUp: warm, subject: &s)
                    default:
                        var s = ZydisSubject(oracle: zydis, mode: mode, full: subject == "zydis-full")
                        return Self.walk(buffer, from: start, seconds: slice, warmUp: warm, subject: &s)
                    }
                }
                let t = totals[subject] ?? (0, 0, 0)
                totals[subject] = (t.instructions + instructions, t.consumed + consumed, t.seconds + seconds)
            }
        }
        // The Zydis subjects hold raw pointers into the oracle: keep it alive to the end.
        withExtendedLifetime(zydis) {}
        return subjects.map { subject in
            let t = totals[subject]!
            return Measurement(
                workload: workload, subject: subject, instructionsPerSecond: Double(t.instructions) / t.seconds,
                bytesPerSecond: Double(t.consumed) / t.seconds)
        }
    }

    /// Linear sweep; `step` returns the length (0: invalid). Generic, so each subject's loop is
    /// specialized (no closure or existential call per instruction). Checks the clock every
    /// 64 Ki steps, so the timing overhead stays out of the loop.
    static func walk<S: BenchSubject>(_ buffer: UnsafeRawBufferPointer, from start: Int, seconds: Double, warmUp: Bool, subject: inout S) -> (Int, Int, Double) {
        // Warm up (caches, lazily built tables) on the same buffer, untimed.
        if warmUp { _ = timedWalk(buffer, from: 0, seconds: min(0.5, seconds / 2), subject: &subject) }
        return timedWalk(buffer, from: start, seconds: seconds, subject: &subject)
    }

    static func timedWalk<S: BenchSubject>(_ buffer: UnsafeRawBufferPointer, from start: Int, seconds: Double, subject: inout S) -> (Int, Int, Double) {
        // A local copy: the subject's fields (the decoder's table pointers) stay in registers
        // instead of being reloaded through the inout reference every step.
        var local = subject
        defer { subject = local }
        let began = threadCPUNanoseconds()
        let limit = began + UInt64(seconds * 1e9)
        var instructions = 0
        var consumed = 0
        guard let base = buffer.baseAddress, buffer.count > 32 else { return (0, 0, 0) }
        // Every window holds 15 bytes; the walk wraps before the last 16 bytes of the buffer.
        let last = buffer.count - 16
        let first = start <= last ? start : 0
        var offset = first
        var steps = 0
        while true {
            // As many steps as cannot pass `last` (each takes at most 15 bytes), with no wrap
            // test between them; then wrap if needed, and read the clock every 64 Ki steps.
            // Only the length is on the chain from one step to the next.
            let run = max(1, min(0x10000 &- steps, (last &- offset) / 15))
            for _ in 0..<run {
                let n = local.step(UnsafeRawBufferPointer(start: base + offset, count: 15))
                let valid = n > 0 ? 1 : 0
                instructions &+= valid
                offset &+= max(n, 1)
            }
            if offset > last {
                consumed &+= offset
                offset = 0
            }
            steps &+= run
            if steps >= 0x10000 {
                steps = 0
                if threadCPUNanoseconds() >= limit { break }
            }
        }
        consumed = consumed &+ offset &- first
        let elapsed = Double(threadCPUNanoseconds() - began) / 1e9
        return (instructions, consumed, elapsed)
    }
}

/// CPU time of the calling thread: the subjects are single-threaded and CPU-bound, so this
/// equals wall time on an idle machine and stays meaningful on a busy one (other processes'
/// time slices are not charged to the subject that happened to be running).
func threadCPUNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// One decoder under benchmark.
protocol BenchSubject {
    mutating func step(_ window: UnsafeRawBufferPointer) -> Int
}

struct ProjectLength: BenchSubject {
    let decoder: X86Decoder
    func step(_ w: UnsafeRawBufferPointer) -> Int { decoder.length(of: w).length ?? 0 }
}

/// The harness alone: one byte read per step, which stays on the chain from step to step.
struct WalkFloor: BenchSubject {
    func step(_ w: UnsafeRawBufferPointer) -> Int { Int(w[0] & 3) + 1 }
}

struct ProjectFull: BenchSubject {
    let decoder: X86Decoder
    var instruction = Instruction()
    mutating func step(_ w: UnsafeRawBufferPointer) -> Int { decoder.decode(w, into: &instruction) == nil ? instruction.length : 0 }
}

struct CapstoneSubject: BenchSubject {
    let oracle: CapstoneOracle
    let mode: Mode
    let detail: Bool
    func step(_ w: UnsafeRawBufferPointer) -> Int { oracle.rawLength(w, mode: mode, detail: detail) ?? 0 }
}

/// Zydis as a tuned user runs it: one decoder, one instruction and one operand buffer reused
/// by every call (ZydisOracle.Reuse), not a zeroed ZydisDecodedInstruction per instruction.
struct ZydisSubject: BenchSubject {
    let zydis: ZydisOracle.Reuse
    init(oracle: ZydisOracle, mode: Mode, full: Bool) { zydis = oracle.reuse(mode: mode, full: full) }
    func step(_ w: UnsafeRawBufferPointer) -> Int { zydis.length(w) ?? 0 }
}
