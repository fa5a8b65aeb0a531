import Foundation
import X86Emulator

/// The initial machine state of an execution case, and its JSON file format:
///
/// ```json
/// {"schemaVersion": 1, "rax": "0x1", …, "r15": "0x0", "rip": "0x1000", "rflags": "0x202",
///  "fsBase": "0x0", "gsBase": "0x0", "memory": [{"address": "0x2000", "bytes": "00ff…"}]}
/// ```
/// Every field is optional: registers default to 0, RIP to 0x1000, RFLAGS to 0x202. The
/// instruction bytes are placed at RIP (a region of exactly their length); any access outside
/// the regions is a #PF. `schemaVersion`, when present, must be 1.
public struct MachineState: Sendable, Equatable {
    public static let schemaVersion = 1
    public var cpu: CPUState
    public var memory: [RegionMemory.Region]

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(cpu: CPUState = CPUState(rip: 0x1000), memory: [RegionMemory.Region] = []) {
        self.cpu = cpu
        self.memory = memory
    }

    /// Parses the JSON object (already decoded by JSONSerialization).
    public init(object: Any) throws(FormatError) {
        guard let o = object as? [String: Any] else { throw FormatError(description: "state: not a JSON object") }
        if let v = o["schemaVersion"] {
            guard let n = v as? Int, n == Self.schemaVersion else { throw FormatError(description: "state: unknown schemaVersion \(v)") }
        }
        func number(_ key: String) throws(FormatError) -> UInt64? {
            guard let v = o[key] else { return nil }
            if let s = v as? String, let n = Self.parseNumber(s) { return n }
            if let n = v as? UInt64 { return n }
            throw FormatError(description: "state: \(key) is not a number ('0x…' string expected)")
        }
        var cpu = CPUState(rip: 0x1000)
        for (n, name) in CPUState.gprNames.enumerated() {
            if let v = try number(name) { cpu.gpr[n] = v }
        }
        if let v = try number("rip") { cpu.rip = v }
        if let v = try number("rflags") { cpu.rflags = v | RFlags.fixed }
        if let v = try number("fsBase") { cpu.fsBase = v }
        if let v = try number("gsBase") { cpu.gsBase = v }
        var regions: [RegionMemory.Region] = []
        if let m = o["memory"] {
            guard let list = m as? [[String: Any]] else { throw FormatError(description: "state: memory must be a list of {address, bytes}") }
            for r in list {
                guard let a = (r["address"] as? String).flatMap(Self.parseNumber), let hex = r["bytes"] as? String else {
                    throw FormatError(description: "state: memory region needs \"address\" (0x…) and \"bytes\" (hex)")
                }
                let bytes: [UInt8]
                do { bytes = try Hex.parse(hex) } catch { throw FormatError(description: "state: \(error)") }
                regions.append(RegionMemory.Region(address: a, bytes: bytes))
            }
        }
        let known = Set(CPUState.gprNames + ["rip", "rflags", "fsBase", "gsBase", "memory", "schemaVersion"])
        if let unknown = o.keys.first(where: { !known.contains($0) }) { throw FormatError(description: "state: unknown field '\(unknown)'") }
        self.init(cpu: cpu, memory: regions)
    }

    public init(json: Data) throws(FormatError) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json) } catch { throw FormatError(description: "state: malformed JSON (\(error.localizedDescription))") }
        try self.init(object: object)
    }

    /// The state of an execution case (the same fields as the JSON file, already split).
    public init(caseState: CaseState) throws(FormatError) {
        var cpu = CPUState(rip: 0x1000)
        for (name, text) in caseState.registers {
            guard let v = Self.parseNumber(text) else { throw FormatError(description: "state: \(name) is not a number") }
            if let n = CPUState.gprNames.firstIndex(of: name) {
                cpu.gpr[n] = v
            } else {
                switch name {
                case "rip": cpu.rip = v
                case "rflags": cpu.rflags = v | RFlags.fixed
                case "fsBase": cpu.fsBase = v
                case "gsBase": cpu.gsBase = v
                default: throw FormatError(description: "state: unknown field '\(name)'")
                }
            }
        }
        var regions: [RegionMemory.Region] = []
        for r in caseState.memory {
            guard let a = Self.parseNumber(r.address) else { throw FormatError(description: "state: bad region address \(r.address)") }
            let bytes: [UInt8]
            do { bytes = try Hex.parse(r.bytes) } catch { throw FormatError(description: "state: \(error)") }
            regions.append(RegionMemory.Region(address: a, bytes: bytes))
        }
        self.init(cpu: cpu, memory: regions)
    }

    static func parseNumber(_ s: String) -> UInt64? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16) }
        return UInt64(s)
    }

    /// The registers as the JSON `state` object writes them.
    public static func registerFields(_ s: CPUState) -> [String: String] {
        var d: [String: String] = [:]
        for (n, name) in CPUState.gprNames.enumerated() { d[name] = "0x" + String(s.gpr[n], radix: 16) }
        d["rip"] = "0x" + String(s.rip, radix: 16)
        d["rflags"] = "0x" + String(s.rflags, radix: 16)
        d["fsBase"] = "0x" + String(s.fsBase, radix: 16)
        d["gsBase"] = "0x" + String(s.gsBase, radix: 16)
        return d
    }

    /// The regions a run sees: the state's memory plus the instruction bytes at RIP.
    public func regions(code: [UInt8]) -> [RegionMemory.Region] {
        [RegionMemory.Region(address: cpu.rip, bytes: code)] + memory
    }
}
