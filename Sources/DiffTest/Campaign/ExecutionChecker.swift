import X86Decoder
import X86Emulator

/// Turns one execution case into findings: the emulator (the system under test, first) and
/// every other execution oracle (Unicorn; later the CPU through the native sandbox) execute the
/// case's instruction from its state, and the results are compared field by field:
///
/// 1. `exception`: the outcome (completed / exception / syscall) and the exception vector, and
///    the #PF address (error codes are not compared: Unicorn does not report them);
/// 2. after a completed instruction: `rip`, `register.<gpr>`, `register.fsBase|gsBase`,
///    `rflags.<cf|pf|af|zf|sf|of|df|tf|ac>` with the SDM-undefined flags and registers of the
///    instruction's family masked (`UndefinedEffects`), and `memory` (the coalesced writes).
///
/// A result that is not comparable (the emulator's `unsupported`, an oracle limitation such as
/// Unicorn running privileged instructions at CPL0) is no finding. Each difference is matched
/// against the registered known execution bugs (`KnownExecutionBugs`); blame by vote as for
/// decode findings. Signatures: `execute/emulator:unicorn/<map>/<opcode>/register.rax`.
/// One checker per thread: it owns its oracle handles.
public final class ExecutionChecker {
    /// Execution oracles the command line can name; `emulator` (the system under test) first.
    public static let oracleNames = ["emulator", "unicorn"]

    public let oracles: [ExecutionOracle]

    /// True when `names` names only execution oracles.
    public static func isExecution(_ names: [String]) -> Bool {
        !names.isEmpty && names.allSatisfy { oracleNames.contains($0) }
    }

    public init(oracles: [ExecutionOracle]) {
        self.oracles = oracles
    }

    /// The emulator plus one handle of each named execution oracle.
    public convenience init(oracleNames: [String]) throws {
        var oracles: [ExecutionOracle] = [EmulatorOracle()]
        for name in oracleNames where name != "emulator" {
            switch name {
            case "unicorn": oracles.append(try UnicornOracle())
            default: throw OracleRegistry.UnknownOracle(description: "unknown execution oracle '\(name)' (known: \(Self.oracleNames.joined(separator: ", ")))")
            }
        }
        self.init(oracles: oracles)
    }

    public var oracleNames: [String] { oracles.map(\.name) }

    public var versions: [String: String] {
        var v: [String: String] = [:]
        for o in oracles {
            if let u = o as? UnicornOracle { v[o.name] = u.version } else { v[o.name] = DiffTestVersion.current }
        }
        return v
    }

    /// A decoder for the opcode map and byte of a signature (making one costs nothing).
    func decoder(_ mode: Mode, _ vendor: Vendor) -> X86Decoder { X86Decoder(mode: mode, vendor: vendor) }

    public func check(_ c: Case, withAnswers: Bool = false) -> [Finding] {
        guard let caseState = c.state, let state = try? MachineState(caseState: caseState) else { return [] }
        let results = oracles.map { $0.execute(c.bytes, state: state, vendor: c.vendor) }
        let mine = results[0]
        guard mine.comparable, !Self.fetchPastCode(mine, c, rip: state.cpu.rip) else { return [] }
        var differs = false
        for r in results.dropFirst() where r.comparable && r != mine { differs = true }
        guard differs else { return [] }
        let decoder = decoder(c.mode, c.vendor)
        let probe = decoder.probe(c.bytes)
        let map = probe.opcodeKnown ? probe.map.name : "-"
        let opcode = probe.opcodeKnown ? Hex.string([probe.opcode]) : "-"
        var mask = UndefinedEffects.Mask()
        var mnemonic = "-"
        if case .valid(let i) = decoder.decode(c.bytes, address: state.cpu.rip) {
            mask = UndefinedEffects.mask(i, state: state.cpu)
            mnemonic = i.mnemonic
        }
        var out: [Finding] = []
        for (k, o) in oracles.enumerated().dropFirst() where results[k].comparable {
            let diffs = Self.compare(mine, results[k], mask: mask)
            guard !diffs.isEmpty else { continue }
            let bugs = diffs.map {
                KnownExecutionBugs.lookup(oracle: o.name, case: c, mnemonic: mnemonic, field: $0.field, mine: mine, theirs: results[k])?.id
            }
            let unexplained = diffs.indices.filter { bugs[$0] == nil }
            let pool = unexplained.isEmpty ? Array(diffs.indices) : unexplained
            var best = pool[0]
            for d in pool where Severity.of(field: diffs[d].field) > Severity.of(field: diffs[best].field) { best = d }
            let knownBug = unexplained.isEmpty ? bugs[best] : nil
            let primary = diffs[best]
            let blame = Self.blame(field: primary.field, oracle: k, results: results, mask: mask)
            let signature = Signature(kind: "execute", oracles: "emulator:\(o.name)", map: map, opcode: opcode, field: primary.field, knownBug: knownBug)
            var f = Finding(
                case: c, signature: signature, field: primary.field, values: ["emulator": primary.left, o.name: primary.right],
                fields: diffs, severity: Severity.of(field: primary.field), blame: blame, knownBug: knownBug)
            if withAnswers {
                var all: [String: ExecutionResult.JSON] = [:]
                for (n, r) in zip(oracles, results) { all[n.name] = r.json }
                f.executions = all
            }
            out.append(f)
        }
        return out
    }

    public func reproduce(_ c: Case, signature: Signature) -> Finding? {
        check(c).first { $0.signature == signature }
    }

    /// The emulator faulted fetching past the case's bytes (a truncated instruction, e.g. a
    /// minimizer candidate): not compared, since Unicorn maps whole pages and reads zeros there.
    static func fetchPastCode(_ r: ExecutionResult, _ c: Case, rip: UInt64) -> Bool {
        guard r.exception?.vector == "PF", let text = r.exception?.address, let a = UInt64(text.dropFirst(2), radix: 16) else { return false }
        let end = rip &+ UInt64(c.bytes.count)
        return a >= end && a < end &+ 16
    }

    /// Blame by vote among three or more oracles: the side every other comparable oracle agrees
    /// with on `field` wins. Nil with two oracles.
    static func blame(field: String, oracle k: Int, results: [ExecutionResult], mask: UndefinedEffects.Mask) -> String? {
        let others = results.indices.filter { $0 != 0 && $0 != k && results[$0].comparable }
        guard !others.isEmpty else { return nil }
        let withMine = others.filter { !compare(results[0], results[$0], mask: mask).contains { $0.field == field } }.count
        let withTheirs = others.filter { !compare(results[k], results[$0], mask: mask).contains { $0.field == field } }.count
        if withMine == others.count && withTheirs < others.count { return "oracle" }
        if withTheirs == others.count && withMine < others.count { return "emulator" }
        return nil
    }

    static let flagNames: [(bit: UInt64, name: String)] = [
        (RFlags.carry, "cf"), (RFlags.parity, "pf"), (RFlags.adjust, "af"), (RFlags.zero, "zf"), (RFlags.sign, "sf"),
        (RFlags.overflow, "of"), (RFlags.direction, "df"), (RFlags.trap, "tf"), (RFlags.alignmentCheck, "ac"),
    ]

    /// Field-by-field differences (left: `a`, right: `b`), most severe fields first.
    public static func compare(_ a: ExecutionResult, _ b: ExecutionResult, mask: UndefinedEffects.Mask) -> [FieldDifference] {
        func outcome(_ r: ExecutionResult) -> String {
            switch r.outcome {
            case .exception:
                let e = r.exception!
                return "#" + e.vector + (e.vector == "PF" ? " " + (e.address ?? "?") : "")
            default: return r.outcome.rawValue
            }
        }
        let oa = outcome(a), ob = outcome(b)
        if oa != ob { return [FieldDifference(field: "exception", left: oa, right: ob)] }
        guard a.outcome != .exception else { return [] }
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        var out: [FieldDifference] = []
        if a.state.rip != b.state.rip { out.append(FieldDifference(field: "rip", left: hex(a.state.rip), right: hex(b.state.rip))) }
        for n in 0..<16 where a.state.gpr[n] != b.state.gpr[n] && !mask.registers.contains(n) {
            out.append(FieldDifference(field: "register." + CPUState.gprNames[n], left: hex(a.state.gpr[n]), right: hex(b.state.gpr[n])))
        }
        if a.state.fsBase != b.state.fsBase { out.append(FieldDifference(field: "register.fsBase", left: hex(a.state.fsBase), right: hex(b.state.fsBase))) }
        if a.state.gsBase != b.state.gsBase { out.append(FieldDifference(field: "register.gsBase", left: hex(a.state.gsBase), right: hex(b.state.gsBase))) }
        let flagDiff = (a.state.rflags ^ b.state.rflags) & ~mask.flags
        for (bit, name) in flagNames where flagDiff & bit != 0 {
            out.append(FieldDifference(field: "rflags." + name, left: a.state.rflags & bit != 0 ? "1" : "0", right: b.state.rflags & bit != 0 ? "1" : "0"))
        }
        if !a.writes.elementsEqual(b.writes, by: { $0.address == $1.address && $0.bytes == $1.bytes }) {
            func text(_ w: [(address: UInt64, bytes: [UInt8])]) -> String { w.map { hex($0.address) + ":" + Hex.string($0.bytes) }.joined(separator: " ") }
            out.append(FieldDifference(field: "memory", left: text(a.writes), right: text(b.writes)))
        }
        return out
    }
}

extension ExecutionChecker: CaseChecker {}
