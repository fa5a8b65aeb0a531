import Foundation
import Testing
import X86Decoder
import X86Emulator

@testable import DiffTest

/// The native oracles in the shared models: native-length as a decode oracle, native as an
/// execution oracle next to the emulator, the policy's masks, and the JSON the CLI prints.
@Suite(.serialized) struct NativeOracleTests {
    // One child per suite; the suite is serialized, so one test at a time uses it.
    nonisolated(unsafe) static let length: NativeLengthOracle = try! NativeLengthOracle()
    nonisolated(unsafe) static let native: NativeExecutionOracle = try! NativeExecutionOracle()

    @Test(arguments: [
        ("4801c8", true, 3), ("0f0b", true, 2), ("f4", true, 1), ("82c001", false, nil), ("48b80102030405060708", true, 10),
        ("c4e2791800", true, 5), ("62f1fd4858c1", true, 6),
        // SYSENTER: runs on Intel; #UD in long mode on AMD, which is its definition there, so
        // not compared (the project's answer with a reason).
        ("0f34", true, 2),
        // Truncated buffers: the CPU would read past their end (found by the default campaign:
        // the probe's zero padding made these "valid" at 10, 6 and 7 bytes).
        ("48bbd400", false, nil), ("62a2bd000b", false, nil), ("86b438d0f60f", false, nil), ("666666", false, nil),
        // UD1 with its ModRM (vendor amd here: the project reads the ModRM; the CPU may #UD first).
        ("0fb9c0", true, 3),
    ] as [(String, Bool, Int?)])
    func lengthOracleAnswers(_ c: (String, Bool, Int?)) throws {
        let bytes = try Hex.parse(c.0)
        let a = Self.length.decode(bytes, mode: .bits64, vendor: .amd, address: 0)
        #expect(a.valid == c.1, "\(c.0): valid (\(a.reason ?? "-"))")
        #expect(a.length == c.2, "\(c.0): length")
        let fast = Self.length.probe(bytes, predicted: X86Decoder(mode: .bits64, vendor: .amd).decode(bytes).instruction)
        Self.length.fastPath = false
        let full = Self.length.probe(bytes, predicted: nil)
        Self.length.fastPath = true
        #expect(fast.length == full.length && fast.vector == full.vector, "\(c.0): fast path and full search agree")
    }

    /// #UD from an extension this CPU lacks is not compared; an extension it has is. The
    /// expectations come from CPUID, so the test holds on any host.
    @Test func missingExtensionsAreNotCompared() throws {
        let features = NativeFeatures()
        let xop = try Hex.parse("8fe878cc c1 02".replacingOccurrences(of: " ", with: ""))  // vpcomb (XOP)
        #expect(features.isaSet(xop, mode: .bits64) == "XOP")
        let hasXOP = NativeFeatures.cpuHas(NativeFeatures.bits.first { $0.isaSet == "XOP" }!.bit)
        let a = Self.length.decode(xop, mode: .bits64, vendor: .amd, address: 0)
        if hasXOP {
            #expect(a.valid && a.length == 6 && a.reason == nil, "\(a)")
        } else {
            #expect(features.missingExtension(xop, mode: .bits64) == "XOP")
            #expect(a.reason == "not compared: XOP is not on this CPU (CPUID)", "\(a.reason ?? "-")")
            #expect(Comparison(bytes: xop, mode: .bits64, vendor: .amd, oracles: [ProjectOracle(), Self.length]).agrees)
        }
        // Shadow-stack writes #UD in the sandbox (shadow stacks off) on any CPU.
        let wrss = try Hex.parse("4a0f38f6453c")
        #expect(features.missingExtension(wrss, mode: .bits64) == "CET shadow stacks (off in the sandbox)")
        #expect(Self.length.decode(wrss, mode: .bits64, vendor: .amd, address: 0).reason?.hasPrefix("not compared") == true)
        // SSE2 is on every x86-64 CPU: not in the table, never "missing".
        #expect(features.missingExtension(try Hex.parse("660fefc0"), mode: .bits64) == nil)
        // A reserved encoding that #UDs everywhere stays a verdict: 0f 0b (ud2) is decoded, #UD.
        #expect(features.missingExtension(try Hex.parse("0f0b"), mode: .bits64) == nil)
    }

    /// #UD that an instruction's definition raises in the sandbox (RSM outside SMM; SYSENTER in
    /// long mode on AMD) is not compared when the CPU read exactly the project's instruction;
    /// a form Zydis lacks (LKGS) is matched to its CPUID bit by the project's mnemonic.
    @Test func definedUDAndZydisLessFormsAreNotCompared() throws {
        let rsm = Self.length.decode(try Hex.parse("0faa"), mode: .bits64, vendor: .intel, address: 0)
        #expect(rsm.valid && rsm.length == 2 && rsm.reason == "not compared: RSM raises #UD outside SMM", "\(rsm)")
        let sysenter = Self.length.decode(try Hex.parse("0f34"), mode: .bits64, vendor: .intel, address: 0)
        if HostCPU.current.isAMD {
            #expect(sysenter.reason == "not compared: SYSENTER raises #UD in long mode on AMD", "\(sysenter)")
        } else {
            #expect(sysenter.valid && sysenter.length == 2, "\(sysenter)")
        }
        #expect(NativeLengthOracle.stateUD("sysenter", mode: .bits64, amd: false) == nil)
        let lkgs = try Hex.parse("f20f00f0")
        let hasLKGS = NativeFeatures.cpuHas(NativeFeatures.byMnemonic.first { $0.mnemonics.contains("lkgs") }!.bit)
        #expect(NativeFeatures().missingExtension(lkgs, mode: .bits64, mnemonic: "lkgs") == (hasLKGS ? nil : "LKGS"))
        #expect(NativeFeatures().missingExtension(lkgs, mode: .bits64) == nil, "Zydis 4.0 names no ISA set for it")
        // A #UD of a form the CPU has and nothing defines stays a verdict (0f 0b: ud2 is decoded, #UD).
        #expect(NativeLengthOracle.stateUD("ud2", mode: .bits64, amd: true) == nil)
        let monitor = Self.length.decode(try Hex.parse("0f01c8"), mode: .bits64, vendor: .intel, address: 0)
        #expect(monitor.valid && monitor.length == 3 && monitor.reason == "not compared: MONITOR raises #UD at CPL 3", "\(monitor)")
        let clac = Self.length.decode(try Hex.parse("0f01ca"), mode: .bits64, vendor: .intel, address: 0)
        #expect(clac.valid && clac.length == 3 && clac.reason == "not compared: CLAC raises #UD at CPL 3", "\(clac)")
        // VIA PadLock (xstore): by Zydis' ISA set and the Centaur leaf.
        let xstore = try Hex.parse("0fa7c0")
        let features = NativeFeatures()
        #expect(features.isaSet(xstore, mode: .bits64) == "PADLOCK_RNG")
        let hasRNG = NativeFeatures.cpuHas(NativeFeatures.bits.first { $0.isaSet == "PADLOCK_RNG" }!.bit)
        #expect(features.missingExtension(xstore, mode: .bits64) == (hasRNG ? nil : "VIA PadLock RNG"))
    }

    /// A 15-byte probe that raises #GP is "longer than 15" unless the project reads exactly 15
    /// bytes: then the CPU gave no evidence either way (not compared).
    @Test func fifteenByteGPIsNotEvidence() throws {
        let bytes = try Hex.parse("2626262666430f3a421d29753e4293")  // mpsadbw, misaligned m128: #GP(0)
        let project = ProjectOracle().decode(bytes, mode: .bits64, vendor: .intel, address: 0)
        #expect(project.valid && project.length == 15)
        let gp = NativeLengthOracle.Probe(length: 15, vector: 13, probes: 2, killed: nil)
        let a = NativeLengthOracle.answer(gp, bytes: bytes, project: project)
        #expect(a.reason == NativeLengthOracle.ambiguous15Text && a.valid && a.length == 15, "\(a)")
        let short = DecodeAnswer.invalid("too-long")
        #expect(NativeLengthOracle.answer(gp, bytes: bytes, project: short) == .invalid(NativeLengthOracle.tooLongText))
        // What the CPU says about it, through the oracle.
        let live = Self.length.decode(bytes, mode: .bits64, vendor: .intel, address: 0)
        #expect(live.reason == NativeLengthOracle.ambiguous15Text || (live.valid && live.length == 15), "\(live)")
    }

    /// A prepared batch answers exactly what one-by-one probes answer.
    @Test func preparedBatchAnswersLikeSingleProbes() throws {
        let factory = CaseFactory(seed: 11, mode: .bits64, vendor: .intel, kinds: [.random, .structured])
        let cases = (0..<UInt64(300)).compactMap { factory.make(at: $0) }
        let batched = try NativeLengthOracle()
        batched.prepare(cases)
        var differing = 0
        for c in cases {
            let a = batched.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
            let b = Self.length.decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0)
            #expect(a == b, "\(Hex.string(c.bytes)): batch \(a), single \(b)")
            if a != ProjectOracle().decode(c.bytes, mode: c.mode, vendor: c.vendor, address: 0) { differing += 1 }
        }
        #expect(differing > 0, "the cases should include some the CPU answers differently from the project's answer")
    }

    /// The other vendor's rules are compared only where they agree with this CPU's vendor.
    @Test func otherVendorIsComparedWhereTheRulesAgree() throws {
        let host: Vendor = HostCPU.current.isAMD ? .amd : .intel
        let other: Vendor = host == .amd ? .intel : .amd
        let branch = try Hex.parse("66e82e1b88e6")
        let a = Self.length.decode(branch, mode: .bits64, vendor: other, address: 0)
        #expect(a.reason?.hasPrefix("not compared: vendor-dependent") == true, "\(a.reason ?? "-")")
        let add = try Hex.parse("4801c8")
        let b = Self.length.decode(add, mode: .bits64, vendor: other, address: 0)
        #expect(b.valid && b.length == 3 && b.reason == nil)
    }

    @Test func lengthOracleOnAMDBranchAndOtherModes() throws {
        let bytes = try Hex.parse("66e82e1b88e6")
        let a = Self.length.decode(bytes, mode: .bits64, vendor: .amd, address: 0)
        #expect(a.valid && a.length == 4, "66-prefixed call is rel16 on this AMD CPU")
        let b = Self.length.decode(bytes, mode: .bits32, vendor: .intel, address: 0)
        #expect(b.reason?.hasPrefix("not compared") == true, "32-bit mode: not compared")
        #expect(Comparison(bytes: bytes, mode: .bits32, vendor: .intel, oracles: [ProjectOracle(), Self.length]).agrees, "not compared adds no divergence")
        #expect(OracleRegistry.decodeOracleNames.contains("native-length") == NativePolicy.hostSupported)
    }

    static func state() -> MachineState {
        var s = MachineState(cpu: CPUState(rip: 0x10000))
        s.cpu.gpr[0] = 0x1234_5678_9ABC_DEF0
        s.cpu.gpr[1] = 0x13
        s.cpu.gpr[3] = 7
        s.cpu.gpr[4] = 0x20800
        s.memory = [.init(address: 0x20000, bytes: [UInt8](repeating: 0x11, count: 4096))]
        return s
    }

    @Test(arguments: [
        "4801c8", "4829d8", "480fafc1", "48d3e0", "50", "58", "48890424", "4889840000080000", "480f44c1", "48ffc0", "4887cb", "48f7f3",
        "f6f3", "0f0b", "cc", "e800000000", "c3", "9c", "480fbcc3", "66d3d0",
    ])
    func agreesWithEmulator(_ hex: String) throws {
        let bytes = try Hex.parse(hex)
        let s = Self.state()
        let n = Self.native.execute(bytes, state: s, vendor: .amd)
        let e = EmulatorOracle().execute(bytes, state: s, vendor: .amd)
        let d = NativePolicy.differences(native: n, other: e, bytes: bytes, state: s)
        #expect(d.isEmpty, "\(hex): \(d.map(\.description).joined(separator: "; "))")
    }

    @Test func differencesAreFound() throws {
        let bytes = try Hex.parse("48d3e0")  // shl rax, cl: flags depend on the operands
        let s = Self.state()
        var other = s
        other.cpu.gpr[1] = 0x21
        let n = Self.native.execute(bytes, state: s, vendor: .amd)
        let e = EmulatorOracle().execute(bytes, state: other, vendor: .amd)
        let fields = Set(NativePolicy.differences(native: n, other: e, bytes: bytes, state: s).map(\.field))
        #expect(fields.contains("rax") && fields.contains("rcx"), "\(fields)")
        var w = n
        w.writes = [(0x20000, [0x22])]
        #expect(NativePolicy.differences(native: w, other: n, bytes: bytes, state: s).map(\.field) == ["writes"], "a changed byte is a difference")
        w.writes = [(0x20000, [0x11])]
        #expect(NativePolicy.differences(native: w, other: n, bytes: bytes, state: s).isEmpty, "a write of the value already there is not")
    }

    @Test func notComparedCases() throws {
        var s = Self.state()
        s.cpu.rip = 0x100  // below vm.mmap_min_addr
        let r = Self.native.execute([0x90], state: s, vendor: .amd)
        #expect(r.outcome == .unsupported && r.note?.hasPrefix("not compared") == true, "\(r.note ?? "-")")
        s = Self.state()
        s.memory = (0..<9).map { .init(address: 0x40000 + UInt64($0) * 0x2000, bytes: [1]) }
        #expect(Self.native.execute([0x90], state: s, vendor: .amd).note?.contains("at most 8") == true)
        let after = Self.native.execute([0x90], state: Self.state(), vendor: .amd)
        #expect(after.outcome == .completed && after.state.rip == 0x10001, "next case runs")
    }

    @Test func nondeterministicComparedOnExceptionClass() throws {
        let s = Self.state()
        let bytes: [UInt8] = [0x0F, 0x31]  // rdtsc
        let n = Self.native.execute(bytes, state: s, vendor: .amd)
        let e = EmulatorOracle().execute(bytes, state: s, vendor: .amd)
        #expect(n.outcome == .completed)
        #expect(NativePolicy.differences(native: n, other: e, bytes: bytes, state: s).isEmpty, "rdtsc: exception class only")
    }

    @Test func jsonMatchesEmulate() throws {
        let bytes = try Hex.parse("48890424")
        let s = Self.state()
        let native = JSONLine.encode(Self.native.json(Self.native.execute(bytes, state: s, vendor: .amd)))
        let emulated = JSONLine.encode(EmulatorOracle().execute(bytes, state: s, vendor: .amd).json)
        let a = try JSONSerialization.jsonObject(with: Data(native.utf8)) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(emulated.utf8)) as! [String: Any]
        #expect(Set(a.keys) == Set(b.keys).union(["cpu"]), "keys: \(a.keys.sorted())")
        #expect(a["writes"] as? [[String: String]] == b["writes"] as? [[String: String]], "writes")
        #expect((a["cpu"] as? [String: Any])?["vendor"] as? String == HostCPU.current.vendor)
    }
}
