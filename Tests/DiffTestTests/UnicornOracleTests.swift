import Testing
import X86Decoder
import X86Emulator

@testable import DiffTest

/// Unicorn behind ExecutionOracle, and the emulator agreeing with it on simple cases.
@Suite struct UnicornOracleTests {
    static func state(_ setup: (inout CPUState) -> Void = { _ in }) -> MachineState {
        var s = MachineState()
        s.cpu.gpr[4] = 0x2800
        setup(&s.cpu)
        s.memory = [.init(address: 0x2000, bytes: [UInt8](repeating: 0, count: 4096))]
        return s
    }

    static let cases: [(String, String)] = [
        ("add", "4801c8"), ("sub", "4829d8"), ("imul", "480fafc1"), ("shl", "48d3e0"), ("push", "50"), ("pop", "58"),
        ("store", "48890424"), ("store-unmapped", "4889840000080000"), ("cmov", "480f44c1"), ("inc", "48ffc0"), ("xchg", "4887cb"),
    ]

    @Test(arguments: cases) func agreesWithEmulator(_ c: (String, String)) throws {
        let unicorn = try UnicornOracle()
        let emulator = EmulatorOracle()
        let bytes = try Hex.parse(c.1)
        let s = Self.state { $0.gpr[0] = 0x1234_5678_9ABC_DEF0; $0.gpr[1] = 0x13; $0.gpr[3] = 7 }
        let u = unicorn.execute(bytes, state: s, vendor: .amd)
        let e = emulator.execute(bytes, state: s, vendor: .amd)
        #expect(u.outcome == e.outcome, "\(c.0): outcome")
        for n in 0..<16 { #expect(u.state.gpr[n] == e.state.gpr[n], "\(c.0): \(CPUState.gprNames[n])") }
        #expect(u.state.rip == e.state.rip, "\(c.0): rip")
        #expect(u.writes.map(\.bytes) == e.writes.map(\.bytes), "\(c.0): writes")
    }

    @Test func reportsUnmappedAccessAndInvalid() throws {
        let unicorn = try UnicornOracle()
        let r = unicorn.execute(try Hex.parse("488b0425f0ff0000"), state: Self.state(), vendor: .amd)
        #expect(r.outcome == .exception && r.exception?.vector == "PF" && r.exception?.address == "0xfff0")
        #expect(unicorn.execute([0x0F, 0x0B], state: Self.state(), vendor: .amd).exception?.vector == "UD")
        #expect(unicorn.execute([0x0F, 0x05], state: Self.state(), vendor: .amd).outcome == .syscall)
    }
}
