import CNativeSandbox
import Glibc
import Testing

/// The C sandbox through its C API: layout of the mirrored structs, one child answering
/// probes and executions, the seccomp filter, and death/hang detection. Serialized: these tests
/// fork and rely on signals in the child.
@Suite(.serialized) struct SandboxTests {
    /// A spawned child with one RWX code page at 0x10000 and one data page at 0x20000.
    final class Child {
        var h = cnativesandbox_handle()
        static let code: UInt64 = 0x10000
        static let data: UInt64 = 0x20000

        init() throws {
            var stage: UnsafePointer<CChar>?
            let e = cnativesandbox_spawn(&h, &stage)
            try #require(e == 0, "spawn failed at \(stage.map { String(cString: $0) } ?? "?"): \(e)")
            h.control.pointee.page_count = 2
            withUnsafeMutableBytes(of: &h.control.pointee.pages) { raw in
                let p = raw.bindMemory(to: cnativesandbox_page.self)
                p[0] = cnativesandbox_page(address: Self.code, prot: UInt32(PROT_READ | PROT_WRITE | PROT_EXEC), reserved: 0)
                p[1] = cnativesandbox_page(address: Self.data, prot: UInt32(PROT_READ | PROT_WRITE), reserved: 0)
            }
            h.images.update(repeating: 0xCC, count: 4096)
            h.slots.update(repeating: 0xCC, count: 4096)
            (h.images + 4096).update(repeating: 0, count: 4096)
            (h.slots + 4096).update(repeating: 0, count: 4096)
        }

        deinit {
            if h.pid > 0 {
                kill(h.pid, SIGKILL)
                var status: Int32 = 0
                waitpid(h.pid, &status, 0)
            }
            munmap(h.shared, Int(h.shared_size))
            close(h.memfd)
        }

        /// Runs one case; nil when the wait did not finish (`wait` holds the outcome).
        func run(_ c: cnativesandbox_case, timeoutMs: UInt64 = 2000) -> (wait: Int32, result: cnativesandbox_result) {
            h.cases[0] = c
            cnativesandbox_submit(&h, 1)
            var status: Int32 = 0
            let w = cnativesandbox_wait(&h, timeoutMs * 1_000_000, &status)
            if w == Int32(CNATIVESANDBOX_WAIT_DIED) { h.pid = -1 }
            return (w, h.results[0])
        }

        static func request(op: Int32, flags: Int32 = 0, _ bytes: [UInt8], length: Int? = nil) -> cnativesandbox_case {
            var c = cnativesandbox_case()
            c.op = UInt32(op)
            c.flags = UInt32(flags)
            c.length = UInt32(length ?? bytes.count)
            withUnsafeMutableBytes(of: &c.bytes) { for (i, b) in bytes.enumerated() { $0[i] = b } }
            c.regs.rip = code
            c.regs.rflags = 0x202
            withUnsafeMutableBytes(of: &c.regs.gpr) { raw in
                raw.storeBytes(of: 5, toByteOffset: 0, as: UInt64.self)  // rax
                raw.storeBytes(of: 7, toByteOffset: 8, as: UInt64.self)  // rcx
                raw.storeBytes(of: data + 0x800, toByteOffset: 32, as: UInt64.self)  // rsp
                raw.storeBytes(of: data + 0x100, toByteOffset: 56, as: UInt64.self)  // rdi
            }
            return c
        }
    }

    static func gpr(_ r: cnativesandbox_result, _ n: Int) -> UInt64 {
        withUnsafeBytes(of: r.regs.gpr) { $0.load(fromByteOffset: n * 8, as: UInt64.self) }
    }

    @Test func mirroredLayouts() {
        #expect(MemoryLayout<cnativesandbox_regs>.size == 176)
        #expect(MemoryLayout<cnativesandbox_page>.size == 16)
        #expect(MemoryLayout<cnativesandbox_case>.size == 208)
        #expect(MemoryLayout<cnativesandbox_result>.size == 56 + 176 + 9 * Int(CNATIVESANDBOX_MAX_WRITES))
        #expect(MemoryLayout<cnativesandbox_control>.size == 40 + 16 * Int(CNATIVESANDBOX_MAX_PAGES))
        #expect(MemoryLayout<cnativesandbox_handle>.size == 64)
    }

    @Test func stubPathRunsStraightLineCode() throws {
        let child = try Child()
        let (w, r) = child.run(Child.request(op: Int32(CNATIVESANDBOX_OP_EXEC), flags: Int32(CNATIVESANDBOX_FLAG_STUB), [0x48, 0x01, 0xC8]))
        #expect(w == Int32(CNATIVESANDBOX_WAIT_DONE))
        #expect(r.kind == UInt32(CNATIVESANDBOX_RESULT_COMPLETED), "kind")
        #expect(Self.gpr(r, 0) == 12, "rax = 5 + 7")
        #expect(r.regs.rip == Child.code + 3, "rip")
    }

    @Test func trapPathCapturesSignals() throws {
        let child = try Child()
        // add: single-step trap after it.
        var (_, r) = child.run(Child.request(op: Int32(CNATIVESANDBOX_OP_EXEC), [0x48, 0x01, 0xC8]))
        #expect(r.kind == UInt32(CNATIVESANDBOX_RESULT_SIGNAL) && r.signo == SIGTRAP && r.trapno == 1, "add: single step")
        #expect(Self.gpr(r, 0) == 12 && r.regs.rip == Child.code + 3, "add: state after")
        // ud2: SIGILL, vector 6, RIP at the instruction.
        (_, r) = child.run(Child.request(op: Int32(CNATIVESANDBOX_OP_EXEC), [0x0F, 0x0B]))
        #expect(r.signo == SIGILL && r.trapno == 6 && r.regs.rip == Child.code, "ud2")
        // store to the data page: the write is reported.
        (_, r) = child.run(Child.request(op: Int32(CNATIVESANDBOX_OP_EXEC), [0x48, 0x89, 0x07]))  // mov [rdi], rax
        #expect(r.write_count == 1 && r.write_address.0 == Child.data + 0x100 && r.write_byte.0 == 5, "store")
        // load from unmapped memory: #PF with the address.
        (_, r) = child.run(Child.request(op: Int32(CNATIVESANDBOX_OP_EXEC), [0x48, 0x8B, 0x04, 0x25, 0, 0, 0, 0x40]))
        #expect(r.signo == SIGSEGV && r.trapno == 14 && r.fault_address == 0x4000_0000, "unmapped load")
    }

    @Test func seccompTrapsEveryWayIn() throws {
        let child = try Child()
        for (name, bytes, arch) in [("syscall", [0x0F, 0x05], 0xC000_003E), ("int 0x80", [0xCD, 0x80], 0x4000_0003)] as [(String, [UInt8], UInt32)] {
            var c = Child.request(op: Int32(CNATIVESANDBOX_OP_EXEC), bytes)
            withUnsafeMutableBytes(of: &c.regs.gpr) { $0.storeBytes(of: 231, toByteOffset: 0, as: UInt64.self) }  // exit_group
            let (w, r) = child.run(c)
            #expect(w == Int32(CNATIVESANDBOX_WAIT_DONE), "\(name): child answers")
            #expect(r.signo == SIGSYS && r.syscall_arch == arch && r.syscall_nr == 231, "\(name): trapped as SIGSYS")
        }
        let (_, r) = child.run(Child.request(op: Int32(CNATIVESANDBOX_OP_EXEC), [0x0F, 0x34]))  // sysenter
        #expect(r.signo == SIGILL || r.signo == SIGSYS, "sysenter: #UD (AMD) or trapped")
    }

    @Test(arguments: [
        ([0x48, 0x01, 0xC8], 3), ([0x0F, 0x0B], 2), ([0xF4], 1), ([0x82, 0xC0, 0x01], 3), ([0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8], 10),
        ([0x66, 0xE8, 0x2E, 0x1B, 0x88, 0xE6], 4), ([0xC4, 0xE2, 0x79, 0x18, 0x00], 5), ([0xEB, 0xFE], 2),
    ] as [([UInt8], Int)])
    func probeFindsLength(_ c: ([UInt8], Int)) throws {
        let child = try Child()
        for flags in [0, CNATIVESANDBOX_FLAG_FULL_SEARCH | CNATIVESANDBOX_FLAG_PROBE_TRAP] {
            let predicted = c.0.count
            let (w, r) = child.run(Child.request(op: Int32(CNATIVESANDBOX_OP_PROBE), flags: Int32(flags) | Int32(CNATIVESANDBOX_FLAG_PROBE_TRAP), c.0, length: predicted))
            #expect(w == Int32(CNATIVESANDBOX_WAIT_DONE))
            #expect(r.length == UInt32(c.1), "\(c.0): length with flags \(flags)")
        }
    }

    @Test func tooLongIsNotFound() throws {
        let child = try Child()
        let bytes = [UInt8](repeating: 0x66, count: 14) + [0x90]
        let (_, r) = child.run(Child.request(op: Int32(CNATIVESANDBOX_OP_PROBE), flags: Int32(CNATIVESANDBOX_FLAG_PROBE_TRAP), bytes, length: 15))
        #expect(r.length == 15, "15 bytes: fits")
        let longer = [UInt8](repeating: 0x66, count: 15) + [0x90]
        let (_, s) = child.run(Child.request(op: Int32(CNATIVESANDBOX_OP_PROBE), flags: Int32(CNATIVESANDBOX_FLAG_PROBE_TRAP), longer, length: 0))
        #expect(s.length == 15 && s.signo == SIGSEGV && s.trapno == 13, "16 bytes: #GP at 15")
    }

    @Test func deathAndHangAreDetected() throws {
        let crashed = try Child()
        let (w, _) = crashed.run(Child.request(op: Int32(CNATIVESANDBOX_OP_CRASH), []))
        #expect(w == Int32(CNATIVESANDBOX_WAIT_DIED), "a crashing child is seen dead")
        let hung = try Child()
        let (v, _) = hung.run(Child.request(op: Int32(CNATIVESANDBOX_OP_HANG), []), timeoutMs: 100)
        #expect(v == Int32(CNATIVESANDBOX_WAIT_TIMEOUT), "a hung child times out")
        #expect(hung.h.control.pointee.current == 0, "the hung case is known")
    }
}
