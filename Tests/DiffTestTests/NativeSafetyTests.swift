import CNativeSandbox
import Testing
import X86Decoder
import X86Emulator

@testable import DiffTest

/// The issue's safety list: each case ends with a verdict, the harness survives, and the next
/// case runs on the same child (or a re-forked one, for the watchdog). Serialized: one child,
/// signals.
@Suite(.serialized) struct NativeSafetyTests {
    static let window: UInt64 = 0x20000
    // One child for the suite; serialized, so one test at a time uses it.
    nonisolated(unsafe) static let oracle: NativeExecutionOracle = try! NativeExecutionOracle()

    /// A state with a 2-page data window, RSP in the middle of it, RBX/RSI/RDI pointing into it.
    static func state(_ setup: (inout MachineState) -> Void = { _ in }) -> MachineState {
        var s = MachineState(cpu: CPUState(rip: 0x10000))
        s.cpu.gpr[4] = window + 0x1000
        s.cpu.gpr[3] = window + 0x100
        s.cpu.gpr[6] = window + 0x200
        s.cpu.gpr[7] = window + 0x300
        s.memory = [.init(address: window, bytes: [UInt8](repeating: 0, count: 0x2000))]
        setup(&s)
        return s
    }

    static func run(_ hex: String, _ setup: (inout MachineState) -> Void = { _ in }) throws -> ExecutionResult {
        oracle.execute(try Hex.parse(hex), state: state(setup), vendor: .amd)
    }

    /// After every safety case: the child still answers a plain add, and was not replaced.
    static func expectAlive(_ name: String, pid: Int32) throws {
        let r = try run("4801c8") { $0.cpu.gpr[0] = 2; $0.cpu.gpr[1] = 3 }
        #expect(r.outcome == .completed && r.state.gpr[0] == 5, "\(name): next case runs")
        #expect(oracle.sandbox.pid == pid, "\(name): same child")
    }

    static func store64(_ s: inout MachineState, at address: UInt64, _ value: UInt64) {
        let offset = Int(address - window)
        for k in 0..<8 { s.memory[0].bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
    }

    @Test func systemCallsAreTrapped() throws {
        let pid = Self.oracle.sandbox.pid
        for (name, hex, rax, note) in [("exit", "0f05", 60, "syscall"), ("exit_group", "0f05", 231, "syscall"), ("int 0x80", "cd80", 1, "int 0x80")] {
            let r = try Self.run(hex) { $0.cpu.gpr[0] = UInt64(rax) }
            #expect(r.outcome == .syscall && r.note == note, "\(name): \(r.outcome) \(r.note ?? "")")
            #expect(r.state.rip == 0x10002, "\(name): RIP after the instruction")
            try Self.expectAlive(name, pid: pid)
        }
        let r = try Self.run("0f34")
        #expect(r.exception?.vector == "UD", "sysenter #UDs in 64-bit mode on AMD: \(r.outcome)")
        try Self.expectAlive("sysenter", pid: pid)
    }

    @Test func loopsHaltsAndUDs() throws {
        let pid = Self.oracle.sandbox.pid
        var r = try Self.run("ebfe")
        #expect(r.outcome == .completed && r.state.rip == 0x10000, "jmp $: one step, RIP back at the start")
        try Self.expectAlive("jmp $", pid: pid)
        r = try Self.run("f4")
        #expect(r.exception?.vector == "GP" && r.exception?.errorCode == 0, "hlt: #GP(0)")
        try Self.expectAlive("hlt", pid: pid)
        r = try Self.run("0f0b")
        #expect(r.exception?.vector == "UD" && r.state.rip == 0x10000, "ud2: #UD at the instruction")
        try Self.expectAlive("ud2", pid: pid)
        r = try Self.run("cc")
        #expect(r.exception?.vector == "BP" && r.state.rip == 0x10001, "int3: #BP, RIP after")
        try Self.expectAlive("int3", pid: pid)
        r = try Self.run("ce")
        #expect(r.exception?.vector == "UD", "into: #UD in 64-bit mode")
        try Self.expectAlive("into", pid: pid)
    }

    @Test func repStosTowardUnmappedMemory() throws {
        let pid = Self.oracle.sandbox.pid
        let end = Self.window + 0x2000
        let r = try Self.run("f3aa") {
            $0.cpu.gpr[1] = 1 << 63
            $0.cpu.gpr[7] = end - 16
            $0.cpu.gpr[0] = 0xAB
        }
        #expect(r.exception?.vector == "PF" && r.exception?.address == "0x" + String(end, radix: 16), "rep stosb: #PF at the window's end")
        #expect(r.state.gpr[1] == (1 << 63) - 16 && r.state.gpr[7] == end, "rep stosb: 16 iterations done")
        #expect(r.writes.count == 1 && r.writes[0].bytes == [UInt8](repeating: 0xAB, count: 16), "rep stosb: the 16 bytes written")
        try Self.expectAlive("rep stosb", pid: pid)
    }

    @Test func stackPivotAndOwnCode() throws {
        let pid = Self.oracle.sandbox.pid
        var r = try Self.run("4894") { $0.cpu.gpr[0] = 0x7000_0000_0000 }  // xchg rsp, rax
        #expect(r.outcome == .completed && r.state.gpr[4] == 0x7000_0000_0000, "pivot")
        try Self.expectAlive("pivot", pid: pid)
        r = try Self.run("50") { $0.cpu.gpr[4] = 0x7000_0000_0000 }  // push rax on the pivoted stack
        #expect(r.exception?.vector == "PF" && r.exception?.address == "0x6ffffffffff8", "push on an unmapped stack")
        try Self.expectAlive("push", pid: pid)
        // The child's own code (it is a fork: the same text as this process).
        let f: @convention(c) () -> Int32 = cnativesandbox_host_has_fsgsbase
        let text = UInt64(UInt(bitPattern: unsafeBitCast(f, to: UnsafeRawPointer.self)))
        r = try Self.run("48890b") { $0.cpu.gpr[3] = text; $0.cpu.gpr[1] = 0xCCCC_CCCC_CCCC_CCCC }  // mov [rbx], rcx
        #expect(r.exception?.vector == "PF" && r.exception?.errorCode == 7, "write over the sandbox's code: #PF(P|W|U)")
        try Self.expectAlive("own code", pid: pid)
    }

    @Test func flagsTFAndAC() throws {
        let pid = Self.oracle.sandbox.pid
        var r = try Self.run("9d") { Self.store64(&$0, at: Self.window + 0x1000, 0x202) }  // popf (TF clear)
        #expect(r.outcome == .completed && r.state.rip == 0x10001 && r.state.rflags & RFlags.trap == 0, "popf clearing TF")
        try Self.expectAlive("popf", pid: pid)
        r = try Self.run("9d") { Self.store64(&$0, at: Self.window + 0x1000, 0x40202) }  // popf setting AC
        #expect(r.outcome == .completed && r.state.rflags & RFlags.alignmentCheck != 0, "popf setting AC")
        // A length the child has not probed yet (probe, then the trap path), from an odd RSP:
        // the signal handler must not run with the case's AC (it did: SIGBUS killed the child).
        r = try Self.run("489d") { $0.cpu.gpr[4] = Self.window + 0x1323; Self.store64(&$0, at: Self.window + 0x1323, 0x40202) }
        #expect(r.outcome == .completed && r.state.rflags & RFlags.alignmentCheck != 0, "popfq setting AC, odd RSP: \(r.note ?? "")")
        try Self.expectAlive("popf AC", pid: pid)
        r = try Self.run("8b4301") { $0.cpu.rflags = 0x40202 }  // mov eax, [rbx+1] with AC
        #expect(r.exception?.vector == "AC", "misaligned load with AC: #AC, got \(r.outcome) \(r.exception?.vector ?? "-")")
        try Self.expectAlive("AC", pid: pid)
    }

    @Test func farTransfersAndSegmentLoads() throws {
        let pid = Self.oracle.sandbox.pid
        for (name, hex) in [("jmp far", "ff2c24"), ("call far", "ff1c24"), ("jmp far m16:64", "48ff2c24")] {
            for selector: UInt64 in [0x7, 0x1234, 0xFFFF, 0x23] {
                let r = try Self.run(hex) { Self.store64(&$0, at: Self.window + 0x1000, 0x10); Self.store64(&$0, at: Self.window + 0x1008, selector) }
                #expect(r.outcome == .exception || r.outcome == .completed, "\(name) \(selector): verdict \(r.outcome)")
                try Self.expectAlive("\(name) \(selector)", pid: pid)
            }
        }
        for (name, hex) in [("ss", "8ed0"), ("ds", "8ed8"), ("es", "8ec0"), ("fs", "8ee0"), ("gs", "8ee8")] {
            for selector: UInt64 in [0, 0x2B, 0x33, 0x1234, 0xFFFF, 0x7B] {
                let r = try Self.run(hex) { $0.cpu.gpr[0] = selector }
                #expect(r.outcome == .exception || r.outcome == .completed, "mov \(name), \(selector): verdict")
                if name == "ds" && selector == 0x2B { #expect(r.state.segments[3] == 0x2B, "mov ds, 0x2b takes") }
                try Self.expectAlive("mov \(name), \(selector)", pid: pid)
                let clean = try Self.run("8cd8")  // mov eax, ds: the next case starts with DS = 0
                #expect(clean.state.gpr[0] & 0xFFFF == 0, "after mov \(name): selectors reset")
            }
        }
    }

    @Test func watchdogKillsAndReforks() throws {
        let sandbox = try NativeSandbox()
        sandbox.timeoutNanoseconds = 150_000_000
        sandbox.setPages([NativeSandbox.Page(address: 0x10000, prot: 7, image: [UInt8](repeating: 0xCC, count: 4096))])
        let before = sandbox.pid
        // A real hang: jmp $ through the stub path (no single-step trap), then a plain case.
        var hang = cnativesandbox_case(op: Int32(CNATIVESANDBOX_OP_EXEC), flags: Int32(CNATIVESANDBOX_FLAG_STUB), length: 2, bytes: [0xEB, 0xFE])
        hang.regs.rip = 0x10000
        hang.regs.rflags = 0x202
        var add = cnativesandbox_case(op: Int32(CNATIVESANDBOX_OP_EXEC), flags: Int32(CNATIVESANDBOX_FLAG_STUB), length: 3, bytes: [0x48, 0x01, 0xC8])
        add.regs.rip = 0x10000
        add.regs.rflags = 0x202
        var verdicts: [String] = []
        [add, hang, add].withUnsafeBufferPointer { cases in
            sandbox.run(cases) { _, v in
                switch v {
                case .finished(let r): verdicts.append(r.pointee.kind == UInt32(CNATIVESANDBOX_RESULT_COMPLETED) ? "completed" : "signal")
                case .killed(let why): verdicts.append("killed: " + why)
                }
            }
        }
        #expect(verdicts.count == 3 && verdicts[0] == "completed" && verdicts[2] == "completed", "\(verdicts)")
        #expect(verdicts[1].hasPrefix("killed: no answer"), "the hang is the casualty: \(verdicts)")
        #expect(sandbox.respawns == 1 && sandbox.pid != before, "re-forked")
        #expect(sandbox.casualties.count == 1 && sandbox.casualties[0].request.bytes.0 == 0xEB, "the case that hung is recorded")
        // A child that dies: re-forked, the next case runs.
        let crash = cnativesandbox_case(op: Int32(CNATIVESANDBOX_OP_CRASH), length: 0, bytes: [])
        verdicts = []
        [crash, add].withUnsafeBufferPointer { cases in
            sandbox.run(cases) { _, v in
                if case .killed(let why) = v { verdicts.append("killed: " + why) } else { verdicts.append("ok") }
            }
        }
        #expect(verdicts.count == 2 && verdicts[0].contains("exited with status") && verdicts[1] == "ok", "\(verdicts)")
        #expect(sandbox.respawns == 2)
    }
}
