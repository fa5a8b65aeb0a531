import Foundation
import X86Decoder
import X86Emulator

/// `difftest bench emulate`: the fresh-state cost of one instruction (set state, step, read
/// state) on the project's emulator and on Unicorn, over the same register-only instructions
/// and seeded states; and the project's straight-line throughput over a long register-only
/// stream (a loop of 1,024 instructions closed by a JMP), in instructions per second.
public struct EmulateBenchmark {
    public struct Measurement: Codable, Sendable {
        public var subject: String
        public var casesPerSecond: Double
    }

    /// Register-only instructions (no RSP, no memory), one per case.
    public static let instructions: [[UInt8]] = [
        "4801c8", "4829d8", "4821c8", "4809d8", "4831c8", "4839c8", "4885c0", "48ffc0", "48ffc9", "48f7d8",
        "48f7e1", "480fafc1", "486bc107", "48d3e0", "48d3e8", "48d3f8", "48c1c005", "48d1d0", "480f44c1",
        "480f4fc1", "0f94c0", "480fbcc1", "f3480fb8c1", "4887cb", "480fc1c8", "4863c1", "480fb6c1", "4899",
        "4811c8", "4819c8", "01c8", "6601c8", "00c8", "480fa3c8", "480fbae005", "488d440807", "4889c8", "48b8efcdab8967452301",
    ].map { try! Hex.parse($0) }

    public var seconds: Double
    public var seed: UInt64

    public init(seconds: Double, seed: UInt64 = 1) {
        self.seconds = seconds
        self.seed = seed
    }

    static let codeAddress: UInt64 = 0x1000

    func states(_ count: Int) -> [CPUState] {
        var g = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            var s = CPUState(rip: Self.codeAddress)
            for n in 0..<16 where n != 4 { s.gpr[n] = g.next() }
            s.gpr[4] = 0x8000
            s.rflags = 0x202 | g.next() & 0x8D5
            return s
        }
    }

    /// Runs `body` (which does `batch` cases) until the time is spent; cases per second.
    func measure(batch: Int, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        var done = 0
        var elapsed: Double = 0
        repeat {
            body()
            done += batch
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return Double(done) / elapsed
    }

    public func projectStep() -> Measurement {
        let states = states(256)
        var sink: UInt64 = 0
        var emulators = Self.instructions.map { code in
            Emulator(bus: WriteDiscardBus(RegionMemory([.init(address: Self.codeAddress, bytes: code)])))
        }
        // No closure here: a captured array of emulators is mutated through a box, which costs
        // more than the step itself.
        let start = DispatchTime.now().uptimeNanoseconds
        var done = 0
        var elapsed: Double = 0
        repeat {
            for k in emulators.indices {
                // Reading `emulators[k].state` would copy the whole emulator per case.
                var emulator = emulators[k]
                for s in states {
                    emulator.state = s
                    _ = emulator.step()
                    sink &+= emulator.state.gpr[0] ^ emulator.state.rflags
                }
                emulators[k] = emulator
            }
            done += states.count * emulators.count
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        if sink == 42 { print("") }
        return Measurement(subject: "project-step", casesPerSecond: Double(done) / elapsed)
    }

    public func unicornStep() throws -> Measurement {
        let unicorn = try UnicornOracle()
        let states = states(64)
        var sink: UInt64 = 0
        var total = 0.0
        for code in Self.instructions {
            unicorn.mapForBenchmark(code: code + [0xF4], at: Self.codeAddress)
            let per = EmulateBenchmark(seconds: seconds / Double(Self.instructions.count), seed: seed)
            total += per.measure(batch: states.count) {
                for var s in states {
                    unicorn.stepRegisters(&s, until: Self.codeAddress + UInt64(code.count))
                    sink &+= s.gpr[0]
                }
            }
            unicorn.unmapForBenchmark(at: Self.codeAddress)
        }
        if sink == 42 { print("") }
        return Measurement(subject: "unicorn-step", casesPerSecond: total / Double(Self.instructions.count))
    }

    public func projectStream() -> Measurement {
        var code: [UInt8] = []
        for k in 0..<1024 { code += Self.instructions[k % Self.instructions.count] }
        let back = -(code.count + 5)
        code += [0xE9] + withUnsafeBytes(of: Int32(back).littleEndian, Array.init)
        var emulator = Emulator(state: states(1)[0], bus: RegionMemory([.init(address: Self.codeAddress, bytes: code)]))
        let rate = measure(batch: 100_000) { _ = emulator.run(budget: 100_000) }
        return Measurement(subject: "project-stream", casesPerSecond: rate)
    }
}
