import ArgumentParser
import DiffTest
import Foundation
import X86Decoder
import X86Emulator

struct Emulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Execute one instruction on the project's emulator and print what changed.",
        discussion: """
            The bytes are placed at the state's RIP (default 0x1000); memory outside the state's
            regions is unmapped (#PF). Writes are reported, never applied.
            State file: {"rax": "0x1", …, "rip": "0x1000", "rflags": "0x202", "fsBase": "0x0",
            "gsBase": "0x0", "memory": [{"address": "0x2000", "bytes": "00ff…"}]}
            --jsonl reads one {"bytes": "…", "state": {…}} per line and prints one result per line.
            Examples:
              difftest emulate 48 01 c8
              difftest emulate --state case.json --json 48 8b 04 24
              difftest emulate --jsonl cases.jsonl
            """)

    @OptionGroup var options: DecodeOptions

    @Option(help: "Initial machine state (JSON file).")
    var state: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Read cases from a JSON-lines file ('-' for standard input); print one JSON result per line.")
    var jsonl: String?

    @Argument(help: "Instruction bytes in hex.")
    var hex: [String] = []

    func validate() throws {
        if options.mode != .bits64 { throw ValidationError("emulate supports --mode 64 only") }
        if jsonl == nil && hex.isEmpty { throw ValidationError("give the instruction bytes in hex, or --jsonl") }
        if jsonl != nil && (!hex.isEmpty || state != nil) { throw ValidationError("--jsonl takes its bytes and states from the file") }
    }

    func run() throws {
        let oracle = EmulatorOracle()
        if let jsonl {
            let data: Data
            if jsonl == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let d = FileManager.default.contents(atPath: jsonl) else { fail("cannot read \(jsonl)") }
                data = d
            }
            var lines: [(bytes: [UInt8], state: MachineState)] = []
            for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() where !line.allSatisfy(\.isWhitespace) {
                do {
                    guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let hex = o["bytes"] as? String else {
                        fail("\(jsonl):\(n + 1): expected {\"bytes\": \"…\", \"state\": {…}}")
                    }
                    lines.append((try Hex.parse(hex), try o["state"].map { try MachineState(object: $0) } ?? MachineState()))
                } catch {
                    fail("\(jsonl):\(n + 1): \(error)")
                }
            }
            for l in lines { print(JSONLine.encode(oracle.execute(l.bytes, state: l.state, vendor: options.vendor).json)) }
            return
        }
        let bytes: [UInt8]
        do { bytes = try Hex.parse(hex.joined(separator: " ")) } catch { fail("\(error)") }
        var initial = MachineState()
        if let state {
            guard let data = FileManager.default.contents(atPath: state) else { fail("cannot read \(state)") }
            do { initial = try MachineState(json: data) } catch { fail("\(state): \(error)") }
        }
        let result = oracle.execute(bytes, state: initial, vendor: options.vendor)
        if json {
            print(JSONLine.encode(result.json))
            return
        }
        print(Self.text(result, initial: initial.cpu))
    }

    static func text(_ r: ExecutionResult, initial: CPUState) -> String {
        var lines: [String] = []
        switch r.outcome {
        case .completed: lines.append("completed")
        case .exception:
            let e = r.exception!
            var s = "exception #\(e.vector)"
            if let c = e.errorCode { s += " error code 0x\(String(c, radix: 16))" }
            if let a = e.address { s += " address \(a)" }
            lines.append(s)
        case .syscall: lines.append("system call (\(r.note ?? ""))")
        case .unsupported: lines.append("unsupported: \(r.note ?? "")")
        }
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        for (n, name) in CPUState.gprNames.enumerated() where initial.gpr[n] != r.state.gpr[n] {
            lines.append("  \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(hex(initial.gpr[n])) -> \(hex(r.state.gpr[n]))")
        }
        if initial.rip != r.state.rip { lines.append("  rip    \(hex(initial.rip)) -> \(hex(r.state.rip))") }
        if initial.rflags != r.state.rflags {
            lines.append("  rflags \(hex(initial.rflags)) -> \(hex(r.state.rflags)) [\(flagNames(r.state.rflags))]")
        }
        if initial.fsBase != r.state.fsBase { lines.append("  fsBase \(hex(initial.fsBase)) -> \(hex(r.state.fsBase))") }
        if initial.gsBase != r.state.gsBase { lines.append("  gsBase \(hex(initial.gsBase)) -> \(hex(r.state.gsBase))") }
        for w in r.writes { lines.append("  write  \(hex(w.address)): \(Hex.string(w.bytes, separator: " "))") }
        return lines.joined(separator: "\n")
    }

    static func flagNames(_ f: UInt64) -> String {
        let names: [(UInt64, String)] = [(0x1, "CF"), (0x4, "PF"), (0x10, "AF"), (0x40, "ZF"), (0x80, "SF"), (0x100, "TF"), (0x200, "IF"), (0x400, "DF"), (0x800, "OF"), (0x40000, "AC")]
        return names.filter { f & $0.0 != 0 }.map(\.1).joined(separator: " ")
    }
}
