import Glibc
import Testing
import X86Decoder
import X86Emulator

/// Random bytes and random states never trap or hang the emulator (a debug build also traps on
/// any unchecked overflow). 200,000 cases by default; EMULATOR_ROBUSTNESS_CASES sets the count
/// (10,000,000 in a release build: `swift test -c release --filter RobustnessTests`).
@Suite struct RobustnessTests {
    @Test func randomBytesNeverTrap() {
        var g = CPUComparisonTests.Generator(state: 0xE5CA_1A7E)
        var outcomes: [String: Int] = [:]
        let count = Int(getenv("EMULATOR_ROBUSTNESS_CASES").map { String(cString: $0) } ?? "") ?? 200_000
        for _ in 0..<count {
            var bytes: [UInt8] = []
            for _ in 0..<2 { withUnsafeBytes(of: g.next()) { bytes += $0 } }
            let code = Array(bytes.prefix(Int(g.next() % 15) + 1))
            var s = CPUState(rip: 0x1000)
            for n in 0..<16 { s.gpr[n] = g.next() % 3 == 0 ? 0x2000 + g.next() % 0x100 : g.operand() }
            s.rflags = 0x202 | g.next() & 0x40CD5
            var e = Emulator(state: s, bus: WriteDiscardBus(RegionMemory([.init(address: 0x1000, bytes: code), .init(address: 0x2000, bytes: [UInt8](repeating: 0xAB, count: 0x200))])))
            e.repIterationsPerStep = 4096
            outcomes[e.step().name, default: 0] += 1
        }
        #expect(outcomes.values.reduce(0, +) == count, "\(outcomes)")
    }
}
