import CNativeSandbox
import Dispatch
import X86Decoder
import X86Emulator

/// `difftest bench native`: the native sandbox's throughput in one run.
/// - `native-exec`: the `native` oracle on fresh seeded states, a mix of the emulator
///   benchmark's register-only instructions and faulting ones (#UD, #BP, #GP, #PF, #DE), one
///   instruction per case, lengths cached after their first probe.
/// - `native-exec-nonfaulting`: the persistent sandbox on the register-only instructions
///   through the jump-back stub (requests built once: the child's cost per case).
/// - `fork-per-case`: the baseline: a fresh child (fork, set-up, seccomp) for every case.
/// - `length-fast` / `length-full`: length probes of random 15-byte buffers with the
///   confirm-predicted fast path / the full search.
public struct NativeBenchmark {
    public struct Measurement: Codable, Sendable {
        public var subject: String
        public var casesPerSecond: Double
    }

    public var seconds: Double
    public var seed: UInt64

    public init(seconds: Double, seed: UInt64 = 1) {
        self.seconds = seconds
        self.seed = seed
    }

    static let faulting: [[UInt8]] = ["0f0b", "cc", "f4", "488b042500000040", "48f7f1", "0f05"].map { try! Hex.parse($0) }
    static let codeAddress: UInt64 = 0x10000

    func measure(_ body: () -> Int) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        var done = 0
        var elapsed = 0.0
        repeat {
            done += body()
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return Double(done) / elapsed
    }

    func states(_ count: Int) -> [MachineState] {
        var g = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            var s = CPUState(rip: Self.codeAddress)
            for n in 0..<16 { s.gpr[n] = g.next() }
            s.gpr[1] &= 0xFF  // DIV by a small divisor (and zero sometimes)
            s.rflags = 0x202 | g.next() & 0x8D5
            return MachineState(cpu: s)
        }
    }

    public func nativeExec() throws -> Measurement {
        let oracle = try NativeExecutionOracle()
        let instructions = EmulateBenchmark.instructions + Self.faulting
        let states = states(256)
        var k = 0
        let rate = measure {
            var batch: [(bytes: [UInt8], state: MachineState)] = []
            for s in states {
                batch.append((instructions[k % instructions.count], s))
                k += 1
            }
            oracle.execute(batch: batch) { _, _ in }
            return batch.count
        }
        return Measurement(subject: "native-exec", casesPerSecond: rate)
    }

    func requests(flags: Int32) -> [cnativesandbox_case] {
        let bases = HostCPU.hasFSGSBase ? Int32(CNATIVESANDBOX_FLAG_BASES) : 0
        return states(1024).enumerated().map { n, s in
            let code = EmulateBenchmark.instructions[n % EmulateBenchmark.instructions.count]
            var c = cnativesandbox_case(op: Int32(CNATIVESANDBOX_OP_EXEC), flags: flags | bases, length: code.count, bytes: code)
            for r in 0..<16 { c.regs[gpr: r] = s.cpu.gpr[r] }
            c.regs.rip = Self.codeAddress
            c.regs.rflags = s.cpu.rflags
            return c
        }
    }

    static let codePage = NativeSandbox.Page(address: codeAddress, prot: 7, image: [UInt8](repeating: 0xCC, count: NativeSandbox.Page.size))

    public func nativeExecNonFaulting() throws -> Measurement {
        let sandbox = try NativeSandbox()
        sandbox.setPages([Self.codePage])
        let cases = requests(flags: Int32(CNATIVESANDBOX_FLAG_STUB))
        var sink: UInt64 = 0
        // Read one field in place (`pointee` would copy the whole 4.8 KB result).
        let rflags = MemoryLayout<cnativesandbox_result>.offset(of: \cnativesandbox_result.regs)! + MemoryLayout<cnativesandbox_regs>.offset(of: \cnativesandbox_regs.rflags)!
        let rate = measure {
            cases.withUnsafeBufferPointer { b in
                sandbox.run(b) { _, v in
                    if case .finished(let r) = v { sink &+= UnsafeRawPointer(r).load(fromByteOffset: rflags, as: UInt64.self) }
                }
            }
            return cases.count
        }
        if sink == 42 { print("") }
        return Measurement(subject: "native-exec-nonfaulting", casesPerSecond: rate)
    }

    public func forkPerCase() throws -> Measurement {
        let cases = requests(flags: Int32(CNATIVESANDBOX_FLAG_STUB))
        var k = 0
        var failure: (any Error)?
        let rate = measure {
            do {
                let sandbox = try NativeSandbox()
                sandbox.setPages([Self.codePage])
                [cases[k % cases.count]].withUnsafeBufferPointer { b in sandbox.run(b) { _, _ in } }
            } catch {
                failure = error
            }
            k += 1
            return 1
        }
        if let failure { throw failure }
        return Measurement(subject: "fork-per-case", casesPerSecond: rate)
    }

    public func length(fast: Bool) throws -> Measurement {
        let oracle = try NativeLengthOracle()
        oracle.fastPath = fast
        var g = SplitMix64(seed: seed)
        let decoder = X86Decoder(mode: .bits64, vendor: HostCPU.current.isAMD ? .amd : .intel)
        let buffers = (0..<8192).map { _ in g.bytes(15) }
        let predictions = buffers.map { decoder.decode($0).instruction }
        var offset = 0
        let rate = measure {
            let slice = Array(buffers[offset..<offset + 1024])
            oracle.probe(batch: slice, predicted: { predictions[offset + $0] }) { _, _ in }
            offset = (offset + 1024) % buffers.count
            return slice.count
        }
        return Measurement(subject: fast ? "length-fast" : "length-full", casesPerSecond: rate)
    }

    public func all() throws -> [Measurement] {
        [try nativeExec(), try nativeExecNonFaulting(), try forkPerCase(), try length(fast: true), try length(fast: false)]
    }
}
