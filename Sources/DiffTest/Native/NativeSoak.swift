import Dispatch
import X86Decoder
import X86Emulator

/// Long runs of random cases through the native oracles (`difftest native --soak-…`): the
/// harness must survive all of them; the reports count what the CPU said and how long it took.
public enum NativeSoak {
    public struct LengthReport: Codable, Sendable {
        public var cases = 0
        public var seconds = 0.0
        public var casesPerSecond = 0.0
        public var probes = 0
        /// Same validity and length as the project decoder.
        public var agree = 0
        public var lengthDiffers = 0
        public var validityDiffers = 0
        public var cpuUD = 0
        public var tooLong = 0
        public var killed = 0
        public var respawns = 0
        public var examples: [String] = []
        public var killedExamples: [String] = []
        public var cpu = HostCPU.current.description

        public var text: String {
            var lines = [
                "native-length soak: \(cases) random 15-byte buffers in \(String(format: "%.1f", seconds)) s (\(Int(casesPerSecond)) /s, \(probes) probes)",
                "  agree with project: \(agree); length differs: \(lengthDiffers); validity differs: \(validityDiffers)",
                "  CPU #UD: \(cpuUD); longer than 15: \(tooLong); killed the child: \(killed); re-forks: \(respawns)",
                "  cpu: \(cpu)",
            ]
            if !examples.isEmpty { lines.append("  first differences:") }
            lines += examples.map { "    " + $0 }
            if !killedExamples.isEmpty { lines.append("  cases that killed the child:") }
            lines += killedExamples.map { "    " + $0 }
            return lines.joined(separator: "\n")
        }
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// `count` random 15-byte buffers (SplitMix64 `seed`) through the length probe.
    public static func lengths(count: Int, seed: UInt64, fastPath: Bool = true, maxExamples: Int = 40) throws -> LengthReport {
        let oracle = try NativeLengthOracle()
        oracle.fastPath = fastPath
        let decoder = X86Decoder(mode: .bits64, vendor: HostCPU.current.isAMD ? .amd : .intel)
        var g = SplitMix64(seed: seed)
        var report = LengthReport()
        let start = now()
        let chunk = 4096
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            let buffers = (0..<n).map { _ in g.bytes(15) }
            let projects = buffers.map { decoder.length(of: $0) }
            let instructions = buffers.map { decoder.decode($0).instruction }
            oracle.probe(batch: buffers, predicted: { instructions[$0] }) { i, p in
                report.probes += p.probes
                if let why = p.killed {
                    report.killed += 1
                    if report.killedExamples.count < 20 { report.killedExamples.append("\(Hex.string(buffers[i])): \(why)") }
                    return
                }
                if p.length == nil || (p.length == 15 && p.vector == 13) { report.tooLong += 1 }
                if p.vector == 6 { report.cpuUD += 1 }
                let project: DecodeAnswer = instructions[i].map(ProjectOracle.answer) ?? .invalid(projects[i].invalidReason.map { "\($0)" } ?? "?")
                let cpu = NativeLengthOracle.answer(p, bytes: buffers[i], project: project)
                if cpu.valid == project.valid && (!cpu.valid || cpu.length == project.length) {
                    report.agree += 1
                    return
                }
                if cpu.valid != project.valid { report.validityDiffers += 1 } else { report.lengthDiffers += 1 }
                if report.examples.count < maxExamples {
                    let ours = project.valid ? "len \(project.length ?? 0) \(project.mnemonic ?? "")" : "invalid (\(project.reason ?? "?"))"
                    let theirs = cpu.valid ? "len \(cpu.length ?? 0)" : "invalid (\(cpu.reason ?? "?"))"
                    report.examples.append("\(Hex.string(buffers[i])): project \(ours), cpu \(theirs)")
                }
            }
            done += n
        }
        report.cases = count
        report.seconds = now() - start
        report.casesPerSecond = Double(count) / report.seconds
        report.respawns = oracle.sandbox.respawns
        return report
    }

    public struct ExecReport: Codable, Sendable {
        public var cases = 0
        public var registerOnly = 0
        public var memory = 0
        public var seconds = 0.0
        public var nativeSeconds = 0.0
        public var nativeCasesPerSecond = 0.0
        public var outcomes: [String: Int] = [:]
        /// Emulator vs CPU after NativePolicy's masks, over cases both could answer.
        public var compared = 0
        public var agree = 0
        public var notCompared = 0
        public var killed = 0
        public var respawns = 0
        public var differingFields: [String: Int] = [:]
        /// Differing cases by the project decoder's mnemonic.
        public var differingMnemonics: [String: Int] = [:]
        public var examples: [String] = []
        public var killedExamples: [String] = []
        var examplesPerMnemonic: [String: Int] = [:]
        public var cpu = HostCPU.current.description

        public var text: String {
            var lines = [
                "native soak: \(cases) random cases (\(registerOnly) register-only, \(memory) memory) in \(String(format: "%.1f", seconds)) s; native part \(String(format: "%.1f", nativeSeconds)) s (\(Int(nativeCasesPerSecond)) /s)",
                "  outcomes: " + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                "  emulator vs CPU: \(agree) of \(compared) agree (\(String(format: "%.2f", compared == 0 ? 0 : 100 * Double(agree) / Double(compared)))%); not compared \(notCompared); killed the child \(killed); re-forks \(respawns)",
                "  differing fields: " + differingFields.sorted { $0.value > $1.value }.prefix(12).map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                "  differing cases by mnemonic: " + differingMnemonics.sorted { $0.value > $1.value }.prefix(20).map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                "  cpu: \(cpu)",
            ]
            if !examples.isEmpty { lines.append("  first differences:") }
            lines += examples.map { "    " + $0 }
            if !killedExamples.isEmpty { lines.append("  first cases that killed the child:") }
            lines += killedExamples.map { "    " + $0 }
            return lines.joined(separator: "\n")
        }
    }

    public static let codeAddress: UInt64 = 0x10000
    public static let windowAddress: UInt64 = 0x20000
    public static let windowSize = 2 * NativeSandbox.Page.size

    /// `count` random cases: 15 random bytes (cut to the project's length when it decodes them,
    /// so both sides see the same code bytes), random registers; memory cases point RBX, RSI,
    /// RDI, RBP and RSP into a 2-page data window (seeded contents). Run natively and on the
    /// emulator; compared with `NativePolicy.differences`.
    public static func executions(count: Int, seed: UInt64, maxExamples: Int = 40) throws -> ExecReport {
        let native = try NativeExecutionOracle()
        let emulator = EmulatorOracle()
        let decoder = X86Decoder(mode: .bits64, vendor: .amd)
        var g = SplitMix64(seed: seed)
        let window = RegionMemory.Region(address: windowAddress, bytes: g.bytes(windowSize))
        var report = ExecReport()
        let start = now()
        var done = 0
        var memoryBlock = false
        while done < count {
            let n = min(NativeSandbox.batchSize, count - done)
            var batch: [(bytes: [UInt8], state: MachineState)] = []
            for _ in 0..<n {
                var bytes = g.bytes(15)
                if let l = decoder.length(of: bytes).length { bytes = Array(bytes.prefix(l)) }
                var s = CPUState(rip: codeAddress)
                for r in 0..<16 { s.gpr[r] = g.next() }
                s.rflags = 0x202 | g.next() & 0x8D5 | (g.next() & 7 == 0 ? RFlags.direction : 0)
                var memory: [RegionMemory.Region] = []
                if memoryBlock {
                    for r in [3, 4, 5, 6, 7] { s.gpr[r] = windowAddress + 0x400 + g.next() % UInt64(windowSize - 0x800) }
                    memory = [window]
                }
                batch.append((bytes, MachineState(cpu: s, memory: memory)))
            }
            if memoryBlock { report.memory += n } else { report.registerOnly += n }
            memoryBlock.toggle()
            var results: [ExecutionResult?] = Array(repeating: nil, count: n)
            let t0 = now()
            native.execute(batch: batch) { i, r in results[i] = r }
            report.nativeSeconds += now() - t0
            for (i, c) in batch.enumerated() {
                let r = results[i]!
                let key = r.outcome == .exception ? "#" + (r.exception?.vector ?? "?") : r.outcome.rawValue
                report.outcomes[key, default: 0] += 1
                if r.note?.hasPrefix("native sandbox") == true {
                    report.killed += 1
                    if report.killedExamples.count < 20 {
                        report.killedExamples.append("\(Hex.string(c.bytes))\(c.state.memory.isEmpty ? "" : " [mem]") rsp=0x\(String(c.state.cpu.gpr[4], radix: 16)): \(r.note ?? "")")
                    }
                }
                let e = emulator.execute(c.bytes, state: c.state, vendor: .amd)
                guard r.comparable && e.comparable else {
                    report.notCompared += 1
                    continue
                }
                report.compared += 1
                let d = NativePolicy.differences(native: r, other: e, bytes: c.bytes, state: c.state)
                if d.isEmpty {
                    report.agree += 1
                    continue
                }
                for f in d { report.differingFields[f.field, default: 0] += 1 }
                let mnemonic = decoder.decode(c.bytes).instruction?.mnemonic ?? "(invalid)"
                report.differingMnemonics[mnemonic, default: 0] += 1
                if report.examples.count < maxExamples && (report.examplesPerMnemonic[mnemonic] ?? 0) < 3 {
                    report.examplesPerMnemonic[mnemonic, default: 0] += 1
                    report.examples.append("\(Hex.string(c.bytes))\(c.state.memory.isEmpty ? "" : " [mem]"): " + d.prefix(3).map { "\($0.field) cpu \($0.left) emu \($0.right)" }.joined(separator: "; "))
                }
            }
            done += n
        }
        report.cases = count
        report.seconds = now() - start
        report.nativeCasesPerSecond = Double(count) / report.nativeSeconds
        report.respawns = native.sandbox.respawns
        return report
    }
}
