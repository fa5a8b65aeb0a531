import CNativeSandbox
import Glibc
import X86Decoder
import X86Emulator

/// This CPU as an execution oracle: the case runs in the native sandbox's child (never in the
/// harness), one instruction, and comes back in the same result model as the emulator:
/// registers, RIP, RFLAGS, FS/GS bases, selectors, memory writes (changed bytes of the case
/// pages), and the exception mapped from the signal by its hardware vector (the kernel's
/// trap number): SIGILL→#UD, SIGFPE→#DE, SIGSEGV→#GP or #PF (error code and address),
/// SIGBUS→#AC or #SS, SIGTRAP→#BP or #DB; SIGSYS (the seccomp filter) is a system call.
///
/// Which cases run, which path runs them, and what is masked when results are compared is
/// `NativePolicy`. Cases the sandbox cannot run answer `unsupported` with a note that starts
/// with "not compared". A case that hangs or kills the child answers `unsupported` with
/// "native sandbox: …" and is listed in `sandbox.casualties`. `vendor` is ignored: the answer
/// is this CPU's (`cpu`).
public final class NativeExecutionOracle: ExecutionOracle {
    public let name = "native"
    public let cpu = HostCPU.current
    public let sandbox: NativeSandbox
    let decoder: X86Decoder
    /// Lengths the CPU confirmed, by instruction bytes (so repeated instructions skip the probe).
    var lengthCache: [[UInt8]: Int] = [:]
    public var lengthCacheLimit = 1 << 16
    /// The pages of the last planned case and the regions they were built from.
    var lastPages: (memory: [RegionMemory.Region], pages: [NativeSandbox.Page])?
    public internal(set) var stubRuns = 0
    public internal(set) var trapRuns = 0

    public init() throws(NativeSandbox.SetupError) {
        sandbox = try NativeSandbox()
        decoder = X86Decoder(mode: .bits64, vendor: HostCPU.current.isAMD ? .amd : .intel)
    }

    public func execute(_ bytes: [UInt8], state: MachineState, vendor: Vendor) -> ExecutionResult {
        var out: ExecutionResult?
        execute(batch: [(bytes, state)]) { _, r in out = r }
        return out!
    }

    /// What one case needs: its pages and the request for the child.
    struct Plan {
        var pages: [NativeSandbox.Page]
        var request: cnativesandbox_case
        var instruction: Instruction?
        var inputTF: Bool
    }

    /// Runs many cases; consecutive cases with the same pages share a request to the child
    /// (register-only cases at one RIP run 64 at a time). `body` gets the results in order.
    public func execute(batch: [(bytes: [UInt8], state: MachineState)], _ body: (Int, ExecutionResult) -> Void) {
        var plans: [Plan?] = []
        plans.reserveCapacity(batch.count)
        var i = 0
        while i < batch.count {
            // One group: cases whose pages equal the first one's.
            var group: [Int] = []
            var requests: [cnativesandbox_case] = []
            var pages: [NativeSandbox.Page]?
            while i < batch.count && group.count < NativeSandbox.batchSize {
                let c = batch[i]
                switch plan(c.bytes, c.state) {
                case .failure(let reason):
                    if group.isEmpty {
                        body(i, ExecutionResult(outcome: .unsupported, state: c.state.cpu, note: reason.description))
                        i += 1
                        continue
                    }
                case .success(let p):
                    if pages == nil || pages! == p.pages {
                        pages = p.pages
                        group.append(i)
                        requests.append(p.request)
                        plans.append(p)
                        i += 1
                        continue
                    }
                }
                break
            }
            guard let pages, !group.isEmpty else { continue }
            sandbox.setPages(pages)
            let groupPlans = Array(plans.suffix(group.count))
            requests.withUnsafeBufferPointer { buffer in
                sandbox.run(buffer) { k, verdict in
                    let n = group[k]
                    body(n, convert(verdict, plan: groupPlans[k]!, bytes: batch[n].bytes, state: batch[n].state))
                }
            }
        }
    }

    struct NotCompared: Error, CustomStringConvertible {
        var description: String
    }

    static let pageMask: UInt64 = UInt64(NativeSandbox.Page.size - 1)

    /// The pages and the request for one case, or why it does not run natively.
    func plan(_ bytes: [UInt8], _ state: MachineState) -> Result<Plan, NotCompared> {
        guard NativePolicy.hostSupported else { return .failure(NotCompared(description: "not compared: no native sandbox on this host")) }
        guard !bytes.isEmpty else { return .failure(NotCompared(description: "not compared: no instruction bytes")) }
        let rip = state.cpu.rip
        // Code pages cover the longest instruction plus the jump-back stub (up to 21 bytes).
        var spans: [(address: UInt64, count: Int, code: Bool)] = [(rip, 15 + 21, true)]
        for r in state.memory where !r.bytes.isEmpty { spans.append((r.address, r.bytes.count, false)) }
        var pageProt: [UInt64: Int32] = [:]
        for s in spans {
            guard s.address <= UInt64.max - UInt64(s.count) else { return .failure(NotCompared(description: "not compared: region at 0x\(String(s.address, radix: 16)) wraps")) }
            var p = s.address & ~Self.pageMask
            let end = s.address + UInt64(s.count)
            while p < end {
                let prot: Int32 = s.code ? PROT_READ | PROT_WRITE | PROT_EXEC : PROT_READ | PROT_WRITE
                pageProt[p] = (pageProt[p] ?? 0) | prot
                p += UInt64(NativeSandbox.Page.size)
            }
        }
        guard pageProt.count <= NativeSandbox.Page.maxCount else {
            return .failure(NotCompared(description: "not compared: the case needs \(pageProt.count) pages; the sandbox maps at most \(NativeSandbox.Page.maxCount)"))
        }
        let probeLow = CNATIVESANDBOX_PROBE_BASE, probeHigh = CNATIVESANDBOX_PROBE_BASE + 2 * UInt64(NativeSandbox.Page.size)
        for p in pageProt.keys where p < NativePolicy.lowestPage || p > NativePolicy.highestPage || (p >= probeLow && p < probeHigh) {
            return .failure(NotCompared(description: "not compared: page 0x\(String(p, radix: 16)) is outside the sandbox's user range"))
        }
        let pages: [NativeSandbox.Page]
        let layout = pageProt.sorted(by: { $0.key < $1.key })
        if let last = lastPages, last.memory == state.memory, last.pages.map(\.address) == layout.map(\.key),
            last.pages.map(\.prot) == layout.map(\.value)
        {
            pages = last.pages
        } else {
            var built: [NativeSandbox.Page] = []
            for (address, prot) in layout {
                var image = [UInt8](repeating: prot & PROT_EXEC != 0 ? 0xCC : 0, count: NativeSandbox.Page.size)
                let pageEnd = address + UInt64(NativeSandbox.Page.size)
                for r in state.memory {
                    let from = max(r.address, address), to = min(r.address + UInt64(r.bytes.count), pageEnd)
                    guard from < to else { continue }
                    let src = Int(from - r.address), dst = Int(from - address), n = Int(to - from)
                    image.replaceSubrange(dst..<dst + n, with: r.bytes[src..<src + n])
                }
                built.append(NativeSandbox.Page(address: address, prot: prot, image: image))
            }
            pages = built
            lastPages = (state.memory, built)
        }
        let instruction = decoder.decode(Array(bytes.prefix(15))).instruction
        let predicted = instruction?.length ?? 0
        let inputTF = state.cpu.rflags & RFlags.trap != 0
        var flags: Int32 = HostCPU.hasFSGSBase ? Int32(CNATIVESANDBOX_FLAG_BASES) : 0
        let cached = lengthCache[bytes]
        let length: Int
        if let cached {
            length = cached == 0 ? 15 : cached
        } else {
            // The child probes first; `length` is the prediction its fast path confirms.
            length = predicted
            flags |= Int32(CNATIVESANDBOX_FLAG_PROBE_FIRST)
            if NativePolicy.probeNeedsTrap(instruction) { flags |= Int32(CNATIVESANDBOX_FLAG_PROBE_TRAP) }
        }
        // REP string instructions also skip the single-step trap (one iteration per trap
        // otherwise): they run to their end or fault, like the emulator's step.
        if let instruction, !inputTF, NativePolicy.stubEligible(instruction) || NativePolicy.runsWithoutTrap(instruction),
            cached == nil || cached == predicted
        {
            flags |= Int32(CNATIVESANDBOX_FLAG_STUB)
        }
        var request = cnativesandbox_case(op: Int32(CNATIVESANDBOX_OP_EXEC), flags: flags, length: length, bytes: bytes)
        for n in 0..<16 { request.regs[gpr: n] = state.cpu.gpr[n] }
        request.regs.rip = rip
        request.regs.rflags = state.cpu.rflags
        request.regs.fs_base = state.cpu.fsBase
        request.regs.gs_base = state.cpu.gsBase
        return .success(Plan(pages: pages, request: request, instruction: instruction, inputTF: inputTF))
    }
}
