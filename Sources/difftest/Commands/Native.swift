import ArgumentParser
import DiffTest
import Foundation
import X86Decoder

struct Native: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask this CPU: an instruction's length (page-boundary probe) or what it does (one instruction in the sandbox).",
        discussion: """
            Bytes run in a forked, seccomp-filtered child, never in difftest itself;
            64-bit mode only. --length prints what `difftest decode` prints, --exec
            what `difftest emulate` prints (same state file and JSON, plus "cpu").
            Long runs: --soak-length N (random 15-byte buffers through the probe),
            --soak-exec N (random register-only and memory cases, CPU vs emulator),
            --flag-profile (the emulator's flag profile per instruction family).
            Examples:
              difftest native --length 66 e8 2e 1b 88 e6
              difftest native --exec --json 48 01 c8
              difftest native --exec --state case.json 48 8b 04 24
              difftest native --soak-length 10000000 --seed 1
              difftest native --flag-profile --cases-per-form 10000
            """)

    @OptionGroup var options: DecodeOptions

    @Flag(help: "Probe the instruction length on this CPU.")
    var length = false

    @Flag(help: "Execute one instruction on this CPU.")
    var exec = false

    @Flag(help: "Length: skip the confirm-predicted fast path (always the full search).")
    var fullSearch = false

    @Option(help: "Initial machine state (JSON file, as for `difftest emulate`).")
    var state: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Soak: probe this many random 15-byte buffers and report counts and time.")
    var soakLength: Int?

    @Option(help: "Soak: run this many random register-only and memory cases natively and on the emulator.")
    var soakExec: Int?

    @Flag(help: "Compare the emulator's AMD flag profile with this CPU per instruction family.")
    var flagProfile = false

    @Option(help: "Flag profile: the emulator's vendor profile to check (amd is this host's).")
    var emulatorProfile: Vendor = .amd

    @Option(help: "Flag profile: cases per instruction form.")
    var casesPerForm: Int = 2000

    @Option(help: "Seed of the soak and flag-profile cases.")
    var seed: UInt64 = 1

    @Argument(help: "Instruction bytes in hex.")
    var hex: [String] = []

    func validate() throws {
        let soak = soakLength != nil || soakExec != nil || flagProfile
        if !soak && length == exec { throw ValidationError("give exactly one of --length or --exec (or a --soak-… run)") }
        if !soak && hex.isEmpty { throw ValidationError("give the instruction bytes in hex") }
        if state != nil && !exec { throw ValidationError("--state goes with --exec") }
        if let n = soakLength ?? soakExec, n <= 0 { throw ValidationError("soak counts must be positive") }
        if !NativePolicy.hostSupported { throw ValidationError("the native sandbox needs an x86-64 Linux host") }
        if !NativePolicy.runs(options.mode) { throw ValidationError("native runs 64-bit code only on this host (--mode 64)") }
    }

    func run() throws {
        if soakLength != nil || soakExec != nil || flagProfile {
            try runSoak()
            return
        }
        let bytes: [UInt8]
        do { bytes = try Hex.parse(hex.joined(separator: " ")) } catch { fail("\(error)") }
        if length { try runLength(bytes) } else { try runExec(bytes) }
    }

    func runLength(_ bytes: [UInt8]) throws {
        let oracle: NativeLengthOracle
        do { oracle = try NativeLengthOracle() } catch { fail("\(error)") }
        oracle.fastPath = !fullSearch
        let answer = oracle.decode(bytes, mode: options.mode, vendor: options.vendor, address: 0)
        if json {
            print(JSONLine.encode(oracle.json(bytes: bytes, mode: options.mode.bits, answer: answer)))
            return
        }
        print(AnswerText.line(bytes: bytes, answer: answer))
        print("  cpu: \(oracle.cpu)")
    }

    func runExec(_ bytes: [UInt8]) throws {
        var initial = MachineState()
        if let state {
            guard let data = FileManager.default.contents(atPath: state) else { fail("cannot read \(state)") }
            do { initial = try MachineState(json: data) } catch { fail("\(state): \(error)") }
        }
        let oracle: NativeExecutionOracle
        do { oracle = try NativeExecutionOracle() } catch { fail("\(error)") }
        let result = oracle.execute(bytes, state: initial, vendor: options.vendor)
        if json {
            print(JSONLine.encode(oracle.json(result)))
            return
        }
        print(Emulate.text(result, initial: initial.cpu))
        print("  cpu: \(oracle.cpu)")
    }

    func runSoak() throws {
        do {
            if let n = soakLength {
                let report = try NativeSoak.lengths(count: n, seed: seed, fastPath: !fullSearch)
                print(json ? JSONLine.encode(report) : report.text)
            }
            if let n = soakExec {
                let report = try NativeSoak.executions(count: n, seed: seed)
                print(json ? JSONLine.encode(report) : report.text)
            }
            if flagProfile {
                let report = try NativeFlagProfile.run(casesPerForm: casesPerForm, seed: seed, profile: emulatorProfile)
                print(json ? JSONLine.encode(report) : report.text)
            }
        } catch {
            fail("\(error)")
        }
    }
}
