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

    public var secondsPerSubject: Double

    public init(secondsPerSubject: Double) { self.secondsPerSubject = secondsPerSubject }

    /// Runs every subject over `bytes` (repeating passes until the time is used, at least one
    /// full pass unless the time runs out first) and returns one measurement each.
    public func run(workload: String, bytes: [UInt8], mode: Mode = .bits64) throws -> [Measurement] {
        var out: [Measurement] = []
        let capstone = try CapstoneOracle()
        let zydis = try ZydisOracle()
        let decoder = X86Decoder(mode: mode, vendor: .intel)
        for subject in Self.subjects {
            let (instructions, consumed, seconds) = bytes.withUnsafeBytes { buffer -> (Int, Int, Double) in
                switch subject {
                case "project-length":
                    var s = ProjectLength(decoder: decoder)
                    return Self.walk(buffer, seconds: secondsPerSubject, subject: &s)
                case "project-full":
                    var s = ProjectFull(decoder: decoder)
                    return Self.walk(buffer, seconds: secondsPerSubject, subject: &s)
                case "capstone", "capstone-detail":
                    var s = CapstoneSubject(oracle: capstone, mode: mode, detail: subject == "capstone-detail")
                    return Self.walk(buffer, seconds: secondsPerSubject, subject: &s)
                default:
                    var s = ZydisSubject(oracle: zydis, mode: mode, full: subject == "zydis-full")
                    return Self.walk(buffer, seconds: secondsPerSubject, subject: &s)
                }
            }
            out.append(
                Measurement(
                    workload: workload, subject: subject, instructionsPerSecond: Double(instructions) / seconds,
                    bytesPerSecond: Double(consumed) / seconds))
        }
        return out
    }

    /// Linear sweep; `step` returns the length (0: invalid). Generic, so each subject's loop is
    /// specialized (no closure or existential call per instruction). Checks the clock every
    /// 64 Ki steps, so the timing overhead stays out of the loop.
    static func walk<S: BenchSubject>(_ buffer: UnsafeRawBufferPointer, seconds: Double, subject: inout S) -> (Int, Int, Double) {
        // Warm up (caches, lazily built tables) on the same buffer, untimed.
        _ = timedWalk(buffer, seconds: min(0.5, seconds / 4), subject: &subject)
        return timedWalk(buffer, seconds: seconds, subject: &subject)
    }

    static func timedWalk<S: BenchSubject>(_ buffer: UnsafeRawBufferPointer, seconds: Double, subject: inout S) -> (Int, Int, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let limit = start + UInt64(seconds * 1e9)
        var instructions = 0
        var consumed = 0
        var offset = 0
        var counter = 0
        let count = buffer.count
        while true {
            let window = UnsafeRawBufferPointer(rebasing: buffer[offset..<min(offset + 15, count)])
            let n = subject.step(window)
            if n > 0 {
                instructions += 1
                offset += n
                consumed += n
            } else {
                offset += 1
                consumed += 1
            }
            if offset >= count - 1 { offset = 0 }
            counter += 1
            if counter & 0xFFFF == 0 && DispatchTime.now().uptimeNanoseconds >= limit { break }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (instructions, consumed, elapsed)
    }
}

/// One decoder under benchmark.
protocol BenchSubject {
    mutating func step(_ window: UnsafeRawBufferPointer) -> Int
}

struct ProjectLength: BenchSubject {
    let decoder: X86Decoder
    func step(_ w: UnsafeRawBufferPointer) -> Int { decoder.length(of: w).length ?? 0 }
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

struct ZydisSubject: BenchSubject {
    let oracle: ZydisOracle
    let mode: Mode
    let full: Bool
    func step(_ w: UnsafeRawBufferPointer) -> Int { oracle.rawLength(w, mode: mode, full: full) ?? 0 }
}
