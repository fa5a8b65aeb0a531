import CNativeSandbox
import Glibc
import X86Decoder

/// This CPU's instruction length as a decode oracle (`native-length`), by sandsifter's
/// page-boundary method, in the native sandbox's child: the first k bytes end an executable
/// page whose next page is readable but not executable; an instruction fetch fault at the
/// boundary (RIP at the start, the fault address the boundary, the error code's fetch bit)
/// means the instruction is longer than k. Each probe runs with TF set, so the instruction
/// executes at most once, with zeroed registers; #UD and #GP instructions are measured too (the
/// CPU fetches the whole instruction before it raises them).
///
/// Fast path: confirm the project decoder's predicted length n with two probes (k = n−1 must
/// fault at the boundary, k = n must not); the full search (k = 1, 2, … 15) runs when they
/// disagree or there is no prediction. Where the project rejects the bytes after reading them
/// to their end (LOCK, reserved registers, reserved VEX/EVEX fields: `X86Decoder.Probe.
/// spanned`), that length is the prediction: the CPU fetches as much before its #UD nearly
/// always (15,107 of 15,269 such cases in a 200k-case campaign), and that took the search
/// 6.5 probes a case; likewise a truncated buffer, predicted from the bytes and the zeros the
/// probe runs after them. The answer does not depend on the prediction as long as the child
/// survives: a wrong one costs two probes before the search, and one longer than the CPU's
/// instruction runs the bytes after it once (as a project instruction the CPU reads shorter
/// always could), which can only end in a killed child, an answer that is not compared.
///
/// Answers, in the shared model:
/// - valid with the length when the CPU fetched the instruction and did not raise #UD; when the
///   length equals the project's, mnemonic and operands are copied from the project's answer
///   (the CPU does not report them), so only validity and length can differ;
/// - invalid ("#UD after N bytes") when the CPU raised #UD, except UD0/UD1/UD2 that the project
///   decodes at N bytes or more (they are defined to raise it, possibly before their ModRM);
/// - invalid ("longer than 15 bytes (#GP)") when the 15-byte probe raises #GP: at CPL3 the CPU
///   cannot tell us apart a too-long instruction and a 15-byte one that #GPs (both are #GP(0)
///   with all 15 bytes fetched). Where the project reads exactly 15 bytes the probe is no
///   evidence either way (random campaigns make many: misaligned SSE operands, non-canonical
///   moffs), so that case is not compared;
/// - invalid ("truncated: …") when the CPU reads past the end of the buffer (the probe pads it
///   with zeros, so what it measured is not the buffer's instruction);
/// - not compared: #UD on an instruction of an extension this CPU lacks (NativeFeatures: Zydis'
///   ISA set and the extension's CPUID bit), and, for the other vendor than this CPU's, bytes
///   whose validity or length the vendor rules change (`66 e8 …`);
/// - 16/32-bit mode, or a probe that hung or killed the child: the project's own answer with a
///   `reason` that starts with "not compared", so nothing is counted against either side.
public final class NativeLengthOracle: BatchDecodeOracle {
    public let name = "native-length"
    public let cpu = HostCPU.current
    public var version: String { cpu.description }
    public let sandbox: NativeSandbox
    /// Use the confirm-predicted fast path (false: always the full search).
    public var fastPath = true

    public init() throws(NativeSandbox.SetupError) {
        sandbox = try NativeSandbox()
    }

    /// What the CPU said about one buffer.
    public struct Probe: Sendable, Equatable {
        /// Bytes the CPU fetched (nil: longer than 15).
        public var length: Int?
        /// Hardware vector of the probe at that length (nil when the instruction completed and
        /// single-stepped; 6 is #UD, 13 #GP, 14 #PF …).
        public var vector: UInt32?
        /// Probes spent (2 on a confirmed prediction).
        public var probes: Int
        /// Set when the probe hung or killed the child.
        public var killed: String?
    }

    /// Probes many buffers (64 per request to the child); `predicted` gives the project
    /// decoder's reading of buffer i (nil: it cannot decode it): its length is the prediction,
    /// and control transfers are probed with TF (`NativePolicy.probeNeedsTrap`). `lengths`,
    /// when given, is the prediction instead (0: none), for buffers the project rejects.
    public func probe(batch: [[UInt8]], predicted: (Int) -> Instruction?, lengths: ((Int) -> Int)? = nil, _ body: (Int, Probe) -> Void) {
        var requests: [cnativesandbox_case] = []
        requests.reserveCapacity(batch.count)
        let base: Int32 = fastPath ? 0 : Int32(CNATIVESANDBOX_FLAG_FULL_SEARCH)
        for (i, bytes) in batch.enumerated() {
            let instruction = predicted(i)
            let flags = base | (NativePolicy.probeNeedsTrap(instruction) ? Int32(CNATIVESANDBOX_FLAG_PROBE_TRAP) : 0)
            requests.append(cnativesandbox_case(op: Int32(CNATIVESANDBOX_OP_PROBE), flags: flags, length: lengths?(i) ?? instruction?.length ?? 0, bytes: bytes.prefix(15)))
        }
        requests.withUnsafeBufferPointer { buffer in
            sandbox.run(buffer) { i, verdict in
                switch verdict {
                case .killed(let reason): body(i, Probe(length: nil, vector: nil, probes: 0, killed: reason))
                case .finished(let p):
                    let r = p.pointee
                    // Completed: single-stepped, or the next fetch faulted at the boundary.
                    let boundary = CNATIVESANDBOX_PROBE_BASE + UInt64(NativeSandbox.Page.size)
                    let completed = (r.signo == SIGTRAP && r.trapno == 1) || (r.trapno == 14 && r.regs.rip == boundary)
                    body(i, Probe(length: r.length == 0 ? nil : Int(r.length), vector: completed ? nil : r.trapno, probes: Int(r.probes)))
                }
            }
        }
    }

    /// Probes one buffer (`length`: the prediction when not the instruction's).
    public func probe(_ bytes: [UInt8], predicted: Instruction?, length: Int? = nil) -> Probe {
        var out: Probe?
        probe(batch: [bytes], predicted: { _ in predicted }, lengths: length.map { n in { _ in n } }) { _, p in out = p }
        return out!
    }

    /// The project's instruction for the first 15 bytes, and the length to predict: the
    /// instruction's, else what the project reads of what the probe runs (the bytes, then
    /// zeros up to 15: a truncated instruction is predicted as the CPU will see it) where it
    /// reads to the end, valid or not (0: none).
    static func prediction(_ bytes: [UInt8], mode: Mode, vendor: Vendor) -> (instruction: Instruction?, length: Int) {
        let decoder = X86Decoder(mode: mode, vendor: vendor)
        let window = Array(bytes.prefix(15))
        if let instruction = decoder.decode(window).instruction { return (instruction, instruction.length) }
        let padded = window.count < 15 ? window + [UInt8](repeating: 0, count: 15 - window.count) : window
        return (nil, decoder.probe(padded).spanned ?? 0)
    }

    public func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, address: UInt64) -> DecodeAnswer {
        if address == 0, let answer = prepared[PreparedKey(bytes: bytes, mode: mode, vendor: vendor)] { return answer }
        let project = ProjectOracle().decode(bytes, mode: mode, vendor: vendor, address: address)
        if let settled = settle(bytes, mode: mode, vendor: vendor, address: address, project: project) { return settled }
        let (instruction, length) = Self.prediction(bytes, mode: mode, vendor: vendor)
        let p = probe(bytes, predicted: instruction, length: length)
        return answer(p, bytes: bytes, mode: mode, project: project)
    }

    /// Answers of the last `prepare`, by buffer (decoded at address 0).
    private var prepared: [PreparedKey: DecodeAnswer] = [:]

    struct PreparedKey: Hashable {
        var bytes: [UInt8]
        var mode: Mode
        var vendor: Vendor
    }

    /// Probes a campaign chunk in batches of the sandbox's size (one round trip per batch, not
    /// per case); `decode` then answers these buffers from the batch, exactly as it would have
    /// one by one (the same probes, the same rules).
    public func prepare(_ cases: [Case]) {
        prepared.removeAll(keepingCapacity: true)
        var batch: [[UInt8]] = []
        var predictions: [(instruction: Instruction?, length: Int)] = []
        var owners: [(key: PreparedKey, project: DecodeAnswer)] = []
        for c in cases where c.state == nil {
            let key = PreparedKey(bytes: c.bytes, mode: c.mode, vendor: c.vendor)
            let project = ProjectOracle().decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
            if let settled = settle(c.bytes, mode: c.mode, vendor: c.vendor, address: 0, project: project) {
                prepared[key] = settled
                continue
            }
            batch.append(c.bytes)
            predictions.append(Self.prediction(c.bytes, mode: c.mode, vendor: c.vendor))
            owners.append((key, project))
        }
        guard !batch.isEmpty else { return }
        probe(batch: batch, predicted: { predictions[$0].instruction }, lengths: { predictions[$0].length }) { i, p in
            prepared[owners[i].key] = answer(p, bytes: owners[i].key.bytes, mode: owners[i].key.mode, project: owners[i].project)
        }
    }

    /// The answer without a probe, when there is one: not compared in 16/32-bit mode, or for the
    /// other vendor's rules where they change the validity or length.
    private func settle(_ bytes: [UInt8], mode: Mode, vendor: Vendor, address: UInt64, project: DecodeAnswer) -> DecodeAnswer? {
        guard NativePolicy.runs(mode) else { return Self.notCompared(project, NativePolicy.notComparedMode) }
        // This CPU speaks for its own vendor: where the vendors' rules give other lengths
        // (`66 e8 …`: 6 bytes on Intel, 4 on AMD), the other vendor is not compared.
        let hostVendor: Vendor = cpu.isAMD ? .amd : .intel
        if vendor != hostVendor {
            let host = ProjectOracle().decode(bytes, mode: mode, vendor: hostVendor, address: address)
            if host.valid != project.valid || host.length != project.length {
                return Self.notCompared(project, "not compared: vendor-dependent length (vendor \(vendor.rawValue), this CPU is \(hostVendor.rawValue))")
            }
        }
        return nil
    }

    /// The answer for a probe of `bytes`.
    private func answer(_ p: Probe, bytes: [UInt8], mode: Mode, project: DecodeAnswer) -> DecodeAnswer {
        if Self.isHypervisorCall(bytes, mode: mode) { return Self.notCompared(project, Self.hypervisorCallText) }
        guard project.valid, p.killed == nil, p.vector == 6 else { return Self.answer(p, bytes: bytes, project: project) }
        // #UD from an extension this CPU lacks says nothing about the decoder, whatever length
        // the CPU read before raising it (Zen 4 reads `0f 78 /r`, VMREAD, 2 bytes further).
        if let missing = features.missingExtension(Array(bytes.prefix(15)), mode: mode, mnemonic: project.mnemonic) {
            return Self.notCompared(project, "not compared: \(missing) is not on this CPU (CPUID)")
        }
        // #UD that the instruction's definition raises in the sandbox's state, after the CPU
        // decoded exactly the project's instruction: not a decoding verdict.
        if p.length == project.length, let m = project.mnemonic, let why = Self.stateUD(m, mode: mode, amd: cpu.isAMD) {
            return Self.notCompared(project, "not compared: \(why)")
        }
        return Self.answer(p, bytes: bytes, project: project)
    }

    /// Why `mnemonic` raises #UD by definition where the sandbox runs it (64-bit user mode), or
    /// nil. RSM: "#UD if an attempt is made to execute this instruction when the processor is
    /// not in SMM" (SDM RSM); MONITOR/MWAIT and CLAC/STAC at CPL 3; SYSENTER/SYSEXIT: #UD in long mode on
    /// AMD (APM Vol. 3), while Intel runs them there (so only on an AMD host). Measured on
    /// Zen 4: `0f aa` and `0f 34` #UD after 2 bytes, the project's length.
    static func stateUD(_ mnemonic: String, mode: Mode, amd: Bool) -> String? {
        switch mnemonic {
        case "rsm": return "RSM raises #UD outside SMM"
        // MONITOR/MWAIT: "#UD if current privilege level is not 0" (SDM; APM: unless the OS
        // enables them for CPL 3, which Linux does not). CLAC/STAC: "#UD if the CPL > 0" (SDM).
        // Zen 4: `0f 01 c8` and `0f 01 ca` #UD after 3 bytes.
        case "monitor", "mwait", "clac", "stac": return "\(mnemonic.uppercased()) raises #UD at CPL 3"
        case "sysenter", "sysexit": return amd && mode == .bits64 ? "\(mnemonic.uppercased()) raises #UD in long mode on AMD" : nil
        // TDX: SEAMCALL/SEAMRET/SEAMOPS #UD outside VMX (SEAM) root operation, TDCALL outside a
        // TD guest (SDM Vol. 2, TDX instructions). Zen 4: `66 0f 01 cd` #UD after 4 bytes.
        case "seamcall", "seamret", "seamops", "tdcall": return "\(mnemonic.uppercased()) raises #UD outside TDX (SEAM or TD) operation"
        default: return nil
        }
    }

    /// VMCALL and VMMCALL (`0f 01 c1`, `0f 01 d9`, with any prefixes) exit to the hypervisor,
    /// which may emulate what the CPU would reject: KVM on this AMD host runs `f2 0f 01 c1`
    /// (VMCALL is Intel's, and 66/F2/F3 make it #UD on Intel as XED and the map say). What the
    /// probe sees there is the hypervisor's answer, not the CPU's decode.
    static func isHypervisorCall(_ bytes: [UInt8], mode: Mode) -> Bool {
        let p = PrefixScan(bytes, mode)
        return p.at(0) == 0x0F && p.at(1) == 0x01 && (p.at(2) == 0xC1 || p.at(2) == 0xD9)
    }
    static let hypervisorCallText = "not compared: VMCALL/VMMCALL exit to the hypervisor, which may emulate any encoding of them"

    /// Extensions this CPU lacks (3DNow!, XOP, AVX512-FP16 … on Zen 4).
    let features = NativeFeatures()

    /// The answer for a probe, given the project's answer for the same bytes.
    public static func answer(_ p: Probe, bytes: [UInt8], project: DecodeAnswer) -> DecodeAnswer {
        if let killed = p.killed { return notCompared(project, "not compared: native sandbox: \(killed)") }
        // The probe pads a short buffer with zero bytes: a CPU that reads past the buffer's end
        // measured the padding, not the buffer, which is then truncated (`48 bb d4 00`: the
        // CPU takes 10 bytes of `48 bb d4 00 00 …`). Every decoder says truncated there too.
        if (p.length ?? 16) > bytes.count { return .invalid(truncatedText(p.length, bytes.count)) }
        guard let length = p.length else { return .invalid(tooLongText) }
        if length == 15 && p.vector == 13 {
            // 26 26 26 26 66 43 0f 3a 42 1d …: mpsadbw with a misaligned memory operand, 15
            // bytes, #GP(0) like a 16-byte instruction would.
            if project.valid && project.length == 15 { return notCompared(project, ambiguous15Text) }
            return .invalid(tooLongText)
        }
        let sameLength = project.valid && project.length == length
        if p.vector == 6 {
            // UD0/UD1/UD2 are defined to raise #UD; a CPU may raise it before it fetches their
            // ModRM (Zen 4: `f2 0f b9 61 ff`, UD1, #UD after 3 bytes), which says nothing
            // against the length.
            if project.valid, let n = project.length, length <= n, let m = project.mnemonic, ["ud0", "ud1", "ud2"].contains(m) {
                return project
            }
            return .invalid("#UD after \(length) bytes")
        }
        if sameLength { return project }
        return DecodeAnswer(valid: true, length: length)
    }

    static let tooLongText = "longer than 15 bytes (#GP)"
    static let ambiguous15Text = "not compared: a 15-byte instruction that raises #GP looks the same as one longer than 15 bytes at CPL3"

    static func truncatedText(_ length: Int?, _ count: Int) -> String {
        "truncated: the CPU reads \(length.map { "\($0)" } ?? "more than 15") bytes, the buffer has \(count)"
    }

    static func notCompared(_ project: DecodeAnswer, _ reason: String) -> DecodeAnswer {
        var a = project
        a.reason = reason
        return a
    }

    public func length(_ bytes: UnsafeRawBufferPointer, mode: Mode, vendor: Vendor) -> Int? {
        guard NativePolicy.runs(mode) else { return X86Decoder(mode: mode, vendor: vendor).length(of: bytes).length }
        let array = Array(bytes.prefix(15))
        let p = probe(array, predicted: X86Decoder(mode: mode, vendor: vendor).decode(array).instruction)
        guard p.killed == nil, let n = p.length, n <= array.count, p.vector != 6, !(n == 15 && p.vector == 13) else { return nil }
        return n
    }
}
