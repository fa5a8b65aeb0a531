import Testing
import X86Decoder

@testable import DiffTest

/// `bench decode`'s walk: its counts are what the subject did, every window holds 15 bytes
/// inside the buffer, and the walk wraps.
@Suite struct DecodeBenchmarkTests {
    /// Steps by the byte under the window: 0 (invalid) for 0xFF, else the byte's low bits + 1.
    /// Records what the walk must count and every window it was given.
    struct Recorder: BenchSubject {
        var valid = 0
        var advanced = 0
        var steps = 0
        var badWindows = 0
        let lower: UnsafeRawPointer
        let upper: UnsafeRawPointer
        mutating func step(_ w: UnsafeRawBufferPointer) -> Int {
            steps += 1
            if w.count != 15 || w.baseAddress! < lower || w.baseAddress! + 15 > upper { badWindows += 1 }
            let b = w[0]
            let n = b == 0xFF ? 0 : Int(b & 7) + 1
            if n > 0 { valid += 1 }
            advanced += max(n, 1)
            return n
        }
    }

    @Test func walkCountsWhatTheSubjectDid() {
        // 100 bytes: the walk wraps many times in a few milliseconds.
        var rng = SplitMix64(seed: 5)
        let bytes = rng.bytes(100)
        bytes.withUnsafeBytes { buffer in
            var subject = Recorder(lower: buffer.baseAddress!, upper: buffer.baseAddress! + buffer.count)
            let (instructions, consumed, seconds) = DecodeBenchmark.timedWalk(buffer, from: 7, seconds: 0.005, subject: &subject)
            #expect(subject.steps > 1000)
            #expect(subject.badWindows == 0)
            #expect(instructions == subject.valid)
            #expect(consumed == subject.advanced)
            #expect(seconds > 0)
        }
    }

    @Test func walkFloorIsNamedOnly() {
        #expect(!DecodeBenchmark.subjects.contains("walk-floor"))
        #expect(DecodeBenchmark.extraSubjects == ["walk-floor"])
    }
}
