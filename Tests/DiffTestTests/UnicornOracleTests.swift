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

/// Each registered known Unicorn execution bug: Unicorn really says it on its example (the
/// emulator, which agrees with the CPU there, says the truth), the finding is explained by that
/// bug, and the matcher does not fire on a control case that differs in the one detail the bug
/// is about.
@Suite struct KnownExecutionBugTests {
    /// A case at 0x1000 with a data page at 0x10000 (`data` at its start) and a stack page at
    /// 0x20000 (RSP 0x20800).
    static func makeCase(_ hex: String, _ registers: [String: String] = [:], data: [UInt8] = [], vendor: Vendor = .amd) throws -> Case {
        var page = [UInt8](repeating: 0, count: 4096)
        page.replaceSubrange(0..<data.count, with: data)
        var regs = ["rsp": "0x20800", "rflags": "0x202"]
        for (k, v) in registers { regs[k] = v }
        let state = CaseState(
            registers: regs,
            memory: [.init(address: "0x10000", bytes: Hex.string(page)), .init(address: "0x20000", bytes: Hex.string([UInt8](repeating: 0, count: 4096)))])
        return Case(mode: .bits64, vendor: vendor, bytes: try Hex.parse(hex), state: state)
    }

    static func known(_ c: Case) throws -> [String?] {
        let checker = ExecutionChecker(oracles: [EmulatorOracle(), try UnicornOracle()])
        return checker.check(c).map(\.knownBug)
    }

    static let examples: [(id: String, bug: Case, control: Case)] = {
        func c(_ hex: String, _ r: [String: String] = [:], data: [UInt8] = [], vendor: Vendor = .amd) -> Case { try! makeCase(hex, r, data: data, vendor: vendor) }
        let qword: [UInt8] = [0x06, 0x4C, 0xC1, 0xC9, 0x48, 0xE6, 0x9C, 0x45]  // 0x459ce648c9c14c06
        return [
            // LAHF with REX: Unicorn writes SPL. Control: without REX both write AH.
            ("unicorn-lahf-sahf-rex-spl", c("489f", ["rax": "0x1033e"]), c("9f", ["rax": "0x1033e"])),
            ("unicorn-lahf-sahf-rex-spl", c("489e", ["rax": "0x0", "rsp": "0x208d5"]), c("9e", ["rax": "0x0", "rsp": "0x208d5"])),
            // REPE (F3 last) after F2: Unicorn repeats as REPNE. Control: F3 before F2 (REPNE for both).
            ("unicorn-rep-f2-before-f3", c("f2f3ae", ["rcx": "0x7", "rdi": "0x10000", "rax": "0x1"]), c("f3f2ae", ["rcx": "0x7", "rdi": "0x10000", "rax": "0x1"])),
            // SHL by CL to memory: CF wrong under the write hook. Control: the register form.
            ("unicorn-shift-memory-flags-with-write-hook", c("48d322", ["rcx": "0x1d", "rdx": "0x10000", "rflags": "0xa12"], data: qword),
             c("48d3e2", ["rcx": "0x1d", "rdx": "0x459ce648c9c14c06", "rflags": "0xa12"])),
            // Count 0 (0x60 & 31): Unicorn stores the unchanged byte. Control: count 1.
            ("unicorn-count0-shift-stores", c("c02a60", ["rdx": "0x10000"], data: [0xC0]), c("c02a61", ["rdx": "0x10000"], data: [0xC0])),
            // POPCNT: missing from Unicorn's CPU model. Control: LZCNT-less BSR executes in both.
            ("unicorn-missing-cpu-features", c("f30fb8c1", ["rcx": "0xff"]), c("0fbdc1", ["rcx": "0xff"])),
            // TEST alias F6 /1. Control: F6 /0.
            ("unicorn-ud-on-defined-forms", c("f6c8ff"), c("f6c0ff")),
            // MOV r/m8, imm8 with REX.R. Control: without REX.R.
            ("unicorn-ud-on-defined-forms", c("44c60748", ["rdi": "0x10000"]), c("c60748", ["rdi": "0x10000"])),
            // VEX vvvv ≠ 1111b on VPHMINPOSUW. Control: vvvv = 1111b (#UD in both: no AVX in Unicorn, unsupported here).
            ("unicorn-executes-invalid-encodings", c("c4c22941c0"), c("c4c27941c0")),
            // RET imm16 with 66 and an immediate ≥ 0x8000. Control: an immediate below 0x8000.
            ("unicorn-ret-imm16-sign-extended", c("66c20ebd", ["rsp": "0x20800"]), c("66c20e3d", ["rsp": "0x20800"])),
            // 16-bit ENTER: Unicorn writes all of RSP to RBP. Control: 64-bit ENTER.
            ("unicorn-enter16-rbp", c("66c8000000", ["rbp": "0x6"]), c("c8000000", ["rbp": "0x6"])),
            // ENTER with a frame below the stack page: Unicorn does not probe. Control: a small frame.
            ("unicorn-enter-no-stack-probe", c("c8000900", ["rbp": "0x6"]), c("c8100000", ["rbp": "0x6"])),
            // PDEP with register operands: source and mask swapped. Control: equal operands.
            ("unicorn-pdep-pext-operands-swapped", c("c4e2c3f5d0", ["rdi": "0x8a5b3", "rax": "0xf0f0f0f0f0"]),
             c("c4e2c3f5d0", ["rdi": "0xffffffffffffffff", "rax": "0xffffffffffffffff"])),
            // BZHI with index 0xc8 ≥ 32. Control: index 8.
            ("unicorn-bzhi-index-clamped", c("c4e260f5f3", ["rbx": "0x800000c8"]), c("c4e260f5f3", ["rbx": "0x80000008"])),
            // CMPXCHG r32 whose comparison fails. Control: the comparison succeeds.
            ("unicorn-cmpxchg32-fail-zero-extends", c("0fb1cd", ["rax": "0x1", "rbp": "0xbd8739146413688", "rcx": "0xffff"]),
             c("0fb1cd", ["rax": "0x46413688", "rbp": "0xbd8739146413688", "rcx": "0xffff"])),
            // 16-bit ENTER with a nesting level of 1. Control: 64-bit.
            ("unicorn-enter16-rbp", c("66c8010000", ["rbp": "0xd4b818612b1b2374"]), c("c8010000", ["rbp": "0xd4b818612b1b2374"])),
            // 16-bit ENTER whose frame crosses a 64 KiB boundary. Control: 64-bit.
            ("unicorn-enter16-rbp", c("66c8ffff00", ["rbp": "0x6"]), c("c8ffff00", ["rbp": "0x6"])),
            // CLWB. Control: CLFLUSH.
            ("unicorn-missing-cpu-features", c("660fae37", ["rdi": "0x10000"]), c("0fae3f", ["rdi": "0x10000"])),
            // Intel profile: 66 JMP rel32 (Intel ignores 66), PUSH FS (Intel writes 2 bytes).
            // Controls: the same cases with the AMD profile, where all three agree.
            ("unicorn-amd-rules-under-intel-profile", c("66e900000000", vendor: .intel), c("66e900000000")),
            ("unicorn-amd-rules-under-intel-profile", c("0fa0", vendor: .intel), c("0fa0")),
            // 0F BA /2 (undefined) on an unmapped address: Unicorn computes the access before its #UD
            // check and faults. Control: 0F BA /4 (BT), a #PF for both.
            ("unicorn-executes-undefined-encodings", c("0fba1307", ["rbx": "0x50000"]), c("0fba2307", ["rbx": "0x50000"])),
            // F2 FF /7 (Unicorn runs it as some memory form and faults at [r12-7] = 0x17). Control:
            // FF /6 (push [r12-7]), a #PF at 0x17 for both.
            ("unicorn-executes-undefined-encodings", c("f243ff7ca4f9", ["r12": "0x1e"]), c("f243ff74a4f9", ["r12": "0x1e"])),
        ]
    }()

    @Test(arguments: examples.indices) func unicornSaysItAndControlDoesNotMatch(_ k: Int) throws {
        let (id, bug, control) = Self.examples[k]
        #expect(try Self.known(bug) == [id], "\(id): \(Hex.string(bug.bytes))")
        #expect(!(try Self.known(control)).contains(id), "\(id) control: \(Hex.string(control.bytes))")
    }

    /// A faulting IRETQ at CPL0 used to leave Unicorn in a state where a later POPCNT
    /// "completed" without executing; the oracle now restores the initial CPU context per case.
    @Test func resultsDoNotDependOnHandleHistory() throws {
        let unicorn = try UnicornOracle()
        let popcnt = try Self.makeCase("f30fb8c1", ["rcx": "0xff"])
        let state = try MachineState(caseState: popcnt.state!)
        let fresh = unicorn.execute(popcnt.bytes, state: state, vendor: .amd)
        let iret = try Self.makeCase("48cf")
        _ = unicorn.execute(iret.bytes, state: try MachineState(caseState: iret.state!), vendor: .amd)
        #expect(unicorn.execute(popcnt.bytes, state: state, vendor: .amd) == fresh)
    }

    /// A jump that lands 47 bytes before the end of the code page: Unicorn translates the next
    /// block (zeros) on into the unmapped page and reports a fetch fault at 0x2000; the jump
    /// itself completed.
    @Test func nextBlockFetchFaultIsNotTheInstructions() throws {
        let c = try Self.makeCase("66e9cd0f")
        let r = try UnicornOracle().execute(c.bytes, state: try MachineState(caseState: c.state!), vendor: .amd)
        #expect(r.outcome == .completed && r.state.rip == 0x1fd1)
    }

    /// A 66 JE rel16 followed by LOCK CMPSB in the case's bytes: Unicorn would translate the
    /// next block and abort the process; the oracle refuses the case instead.
    @Test func bytesAfterTheInstructionThatAbortUnicornAreRefused() throws {
        let c = try KnownExecutionBugTests.makeCase("660f84686ef0a6")
        let r = try UnicornOracle().execute(c.bytes, state: try MachineState(caseState: c.state!), vendor: .amd)
        #expect(r.outcome == .unsupported && r.note?.contains("offset 5") == true)
    }

    /// The last iteration of a REP string leaves Unicorn on the instruction; the oracle steps it past.
    @Test func repStringEndsPastTheInstruction() throws {
        let c = try Self.makeCase("f3aa", ["rcx": "0x7", "rdi": "0x10000"])
        let r = try UnicornOracle().execute(c.bytes, state: try MachineState(caseState: c.state!), vendor: .amd)
        #expect(r.outcome == .completed && r.state.rip == 0x1002 && r.state.gpr[1] == 0 && r.state.gpr[7] == 0x10007)
    }
}
