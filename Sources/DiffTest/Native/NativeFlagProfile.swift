import X86Decoder
import X86Emulator

/// The emulator's AMD flag profile against this CPU (`difftest native --flag-profile`):
/// register-only forms per instruction family, each on seeded states whose operands lean on
/// edge values (0, 1, all ones, the sign bit, small shift counts) with random status flags in;
/// the `native` oracle and the emulator (AMD profile) compared with `NativePolicy.differences`
/// (registers, RIP, all of RFLAGS but the masked bits, exceptions).
public enum NativeFlagProfile {
    public static let families: [(name: String, forms: [String])] = [
        ("alu r,r", ["00c8", "6601c8", "01c8", "4801c8", "08c8", "4809c8", "10c8", "6611c8", "4811c8", "18c8", "4819c8", "20c8", "4821c8",
                     "28c8", "6629c8", "4829c8", "30c8", "4831c8", "38c8", "4839c8", "84c8", "85c8", "4885c8"]),
        ("alu r,imm", ["80c07f", "80d001", "80d8ff", "6683c080", "83e0f0", "4883f07f", "4881c0ffffff7f", "4883f8ff", "a8a5", "48a9ffffff7f"]),
        ("inc dec neg not", ["fec0", "fec8", "66ffc0", "ffc8", "48ffc0", "48ffc8", "f6d8", "66f7d8", "f7d8", "48f7d8", "f6d0", "48f7d0"]),
        ("mul imul", ["f6e1", "66f7e1", "f7e1", "48f7e1", "f6e9", "66f7e9", "f7e9", "48f7e9", "660fafc1", "0fafc1", "480fafc1",
                      "6bc107", "486bc1f9", "69c1ffff0000", "4869c100000080"]),
        ("div idiv", ["f6f1", "66f7f1", "f7f1", "48f7f1", "f6f9", "66f7f9", "f7f9", "48f7f9"]),
        ("shift rotate", (0..<8).flatMap { n -> [String] in
            let m = String(0xC0 | n << 3, radix: 16)
            return ["d2" + m, "66d3" + m, "d3" + m, "48d3" + m, "d0" + m, "48d1" + m, "c0" + m + "05", "48c1" + m + "3f"]
        }),
        ("shld shrd", ["660fa5c8", "0fa5c8", "480fa5c8", "0fa4c805", "480fa4c83f", "660fadc8", "0fadc8", "480fadc8", "0facc81f", "480facc801"]),
        ("bt bts btr btc", ["0fa3c8", "480fa3c8", "660fabc8", "0fabc8", "480fb3c8", "0fbbc8", "0fbae005", "480fbae83f", "660fbaf00f", "0fbaf81f"]),
        ("bsf bsr", ["660fbcc1", "0fbcc1", "480fbcc1", "660fbdc1", "0fbdc1", "480fbdc1"]),
        ("tzcnt lzcnt popcnt", ["66f30fbcc1", "f30fbcc1", "f3480fbcc1", "f30fbdc1", "f3480fbdc1", "f30fb8c1", "f3480fb8c1"]),
        ("bmi", ["c4e2f0f2c2", "c4e270f2c2", "c4e2f0f7c2", "c4e270f7c2", "c4e2f8f3c9", "c4e278f3d1", "c4e2f8f3d9", "c4e2f0f5c2", "c4e270f5c2",
                 "c4e2f3f5c2", "c4e2f2f5c2", "c4e3fbf0c105", "c4e2f1f7c2", "c4e2f2f7c2", "c4e2f3f7c2", "c4e2ebf6c1"]),
        ("adcx adox", ["660f38f6c1", "66480f38f6c1", "f30f38f6c1", "f3480f38f6c1"]),
        ("xadd cmpxchg", ["0fc0c8", "0fc1c8", "480fc1c8", "0fb0c8", "660fb1c8", "0fb1c8", "480fb1c8"]),
        ("flag ops", ["9e", "9f", "f5", "f8", "f9", "fc", "fd"]),
        ("cmov setcc", (0..<16).flatMap { cc -> [String] in ["0f" + String(0x40 + cc, radix: 16) + "c1", "0f" + String(0x90 + cc, radix: 16) + "c0"] }),
        ("movsx movzx bswap", ["480fbec1", "0fb7c1", "4863c1", "480fc8", "0fc9", "4899", "98", "6699"]),
    ]

    public struct FamilyReport: Codable, Sendable {
        public var family: String
        public var forms: Int
        public var compared = 0
        public var agree = 0
        public var notCompared = 0
        public var fields: [String: Int] = [:]
        public var examples: [String] = []
        public var agreement: Double { compared == 0 ? 0 : Double(agree) / Double(compared) }
    }

    public struct Report: Codable, Sendable {
        public var cpu = HostCPU.current.description
        public var casesPerForm = 0
        public var profile = "amd"
        public var families: [FamilyReport] = []
        public var seconds = 0.0

        public var text: String {
            var lines = ["emulator (\(profile) profile) vs \(cpu): \(casesPerForm) cases per form, \(String(format: "%.1f", seconds)) s"]
            for f in families {
                let pct = String(format: "%.3f", 100 * f.agreement)
                var line = "  \(f.family.padding(toLength: 20, withPad: " ", startingAt: 0)) \(f.forms) forms  \(f.agree)/\(f.compared) agree (\(pct)%)"
                if f.notCompared > 0 { line += ", \(f.notCompared) not compared" }
                if !f.fields.isEmpty { line += "; fields: " + f.fields.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
                lines.append(line)
                lines += f.examples.map { "      " + $0 }
            }
            return lines.joined(separator: "\n")
        }
    }

    static func operand(_ g: inout SplitMix64) -> UInt64 {
        switch g.next() % 10 {
        case 0: return 0
        case 1: return 1
        case 2: return ~0
        case 3: return 1 << 63 | g.next() % 4
        case 4: return g.next() % 66
        case 5: return 0x80 | g.next() & 0x7F
        case 6: return 0x8000_0000 &+ g.next() % 3 &- 1
        case 7: return 0xFFFF &+ g.next() % 3 &- 1
        default: return g.next()
        }
    }

    public static func run(casesPerForm: Int, seed: UInt64, profile: Vendor = .amd, examplesPerFamily: Int = 6) throws -> Report {
        let native = try NativeExecutionOracle()
        let emulator = EmulatorOracle()
        var g = SplitMix64(seed: seed)
        var report = Report()
        report.casesPerForm = casesPerForm
        report.profile = profile.rawValue
        let start = NativeSoak.now()
        for family in families {
            var f = FamilyReport(family: family.name, forms: family.forms.count)
            for form in family.forms {
                let bytes = try! Hex.parse(form)
                var done = 0
                while done < casesPerForm {
                    let n = min(256, casesPerForm - done)
                    var batch: [(bytes: [UInt8], state: MachineState)] = []
                    for _ in 0..<n {
                        var s = CPUState(rip: NativeSoak.codeAddress)
                        for r in 0..<16 { s.gpr[r] = operand(&g) }
                        s.gpr[4] = g.next()
                        s.rflags = 0x202 | g.next() & 0x8D5
                        batch.append((bytes, MachineState(cpu: s)))
                    }
                    native.execute(batch: batch) { i, r in
                        let c = batch[i]
                        let e = emulator.execute(c.bytes, state: c.state, vendor: profile)
                        guard r.comparable && e.comparable else {
                            f.notCompared += 1
                            return
                        }
                        f.compared += 1
                        let d = NativePolicy.differences(native: r, other: e, bytes: c.bytes, state: c.state)
                        if d.isEmpty {
                            f.agree += 1
                            return
                        }
                        for x in d { f.fields[x.field, default: 0] += 1 }
                        if f.examples.count < examplesPerFamily {
                            let s = c.state.cpu
                            let inputs = "rax=0x\(String(s.gpr[0], radix: 16)) rcx=0x\(String(s.gpr[1], radix: 16)) rdx=0x\(String(s.gpr[2], radix: 16)) rflags=0x\(String(s.rflags, radix: 16))"
                            f.examples.append("\(form) [\(inputs)]: " + d.prefix(3).map { "\($0.field) cpu \($0.left) emu \($0.right)" }.joined(separator: "; "))
                        }
                    }
                    done += n
                }
            }
            report.families.append(f)
        }
        report.seconds = NativeSoak.now() - start
        return report
    }
}
