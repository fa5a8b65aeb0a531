import X86Decoder

/// A linear sweep: the project decoder against the other decode oracles on validity and length,
/// over seeded random buffers or the .text of real binaries. Disagreements are bucketed by
/// (oracle, field, opcode map, opcode, both verdicts) and explained by known oracle bugs.
public final class Sweep {
    public struct Bucket: Codable, Sendable {
        public var oracle: String
        public var field: String
        public var map: String
        public var opcode: String
        public var project: String
        public var other: String
        public var count: Int
        public var knownBug: String?
        public var blame: String?
        /// The first case seen (a 15-byte window; the first instruction is the one compared).
        public var example: String
        public var repro: String
    }

    public struct Report: Codable, Sendable {
        public var schemaVersion = 1
        public var tool = "difftest \(DiffTestVersion.current)"
        public var workload: String
        public var seed: UInt64?
        public var mode: Int
        public var vendor: String
        public var oracles: [String: String]
        /// Instructions (text) or buffers (random) compared.
        public var cases: Int
        public var projectValid: Int
        /// Per oracle: cases where validity and length agree with the project.
        public var agreeing: [String: Int]
        /// Per oracle: disagreements explained by a known oracle bug / unexplained.
        public var explained: [String: Int]
        public var unexplained: [String: Int]
        public var buckets: [Bucket]
    }

    let mode: Mode
    let vendor: Vendor
    let decoder: X86Decoder
    let project = ProjectOracle()
    let oracles: [DecodeOracle]
    var buckets: [String: Bucket] = [:]
    var order: [String] = []
    var cases = 0
    var projectValid = 0
    var agreeing: [String: Int] = [:]
    var explained: [String: Int] = [:]
    var unexplained: [String: Int] = [:]

    public init(mode: Mode, vendor: Vendor, oracles: [DecodeOracle]) {
        self.mode = mode
        self.vendor = vendor
        self.oracles = oracles.filter { $0.name != "project" }
        decoder = X86Decoder(mode: mode, vendor: vendor)
        for o in self.oracles {
            agreeing[o.name] = 0
            explained[o.name] = 0
            unexplained[o.name] = 0
        }
    }

    /// Compares one buffer (its first instruction); returns the project's length (0: invalid).
    @discardableResult
    public func check(_ window: UnsafeRawBufferPointer) -> Int {
        cases += 1
        let mine = decoder.length(of: window)
        if mine.isValid { projectValid += 1 }
        var disagreeing: [DecodeOracle] = []
        for o in oracles {
            let theirs = o.length(window, mode: mode, vendor: vendor)
            if theirs == mine.length {
                agreeing[o.name, default: 0] += 1
            } else {
                disagreeing.append(o)
            }
        }
        if !disagreeing.isEmpty { record(Array(window), disagreeing: disagreeing) }
        return mine.length ?? 0
    }

    func record(_ bytes: [UInt8], disagreeing: [DecodeOracle]) {
        let all: [DecodeOracle] = [project] + oracles
        let answers = all.map { ($0.name, $0.decode(bytes, mode: mode, vendor: vendor, address: 0)) }
        let divergences = Comparison.divergences(bytes: bytes, mode: mode, vendor: vendor, answers: answers)
        let probe = decoder.probe(bytes)
        for o in disagreeing {
            // The sweep compares validity and length only.
            guard let d = divergences.first(where: { $0.oracle == o.name && ($0.field == "valid" || $0.field == "length") }) else {
                // Fast and full paths of the oracle disagree with each other: count as agreeing.
                agreeing[o.name, default: 0] += 1
                continue
            }
            if d.knownBug != nil { explained[o.name, default: 0] += 1 } else { unexplained[o.name, default: 0] += 1 }
            let mine = answers[0].1
            let theirs = answers.first { $0.0 == o.name }!.1
            let verdict = { (a: DecodeAnswer) in a.valid ? "valid/\(a.length ?? 0)" : "invalid/\(a.reason ?? "?")" }
            let projectVerdict = mine.valid ? "valid" : "invalid/\(mine.reason ?? "?")"
            let otherVerdict = theirs.valid ? "valid" : "invalid"
            let map = probe.opcodeKnown ? probe.map.name : "-"
            let opcode = probe.opcodeKnown ? Hex.string([probe.opcode]) : "-"
            let key = "\(o.name)|\(d.field)|\(map)|\(opcode)|\(projectVerdict)|\(otherVerdict)|\(d.knownBug ?? "")"
            if buckets[key] == nil {
                order.append(key)
                buckets[key] = Bucket(
                    oracle: o.name, field: d.field, map: map, opcode: opcode, project: verdict(mine), other: verdict(theirs),
                    count: 0, knownBug: d.knownBug, blame: d.blame, example: Hex.string(bytes),
                    repro: "difftest repro --mode \(mode.bits) --vendor \(vendor.rawValue) \(Hex.string(bytes))")
            }
            buckets[key]!.count += 1
        }
    }

    /// Sweeps a whole code section linearly: advance by the project's length, one byte when invalid.
    public func sweep(text: [UInt8]) {
        text.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let window = UnsafeRawBufferPointer(rebasing: buffer[offset..<min(offset + 15, buffer.count)])
                let n = check(window)
                offset += max(n, 1)
            }
        }
    }

    public func report(workload: String, seed: UInt64?) -> Report {
        // Unexplained first, then by count; ties keep first-seen order (deterministic).
        func rank(_ i: Int) -> (Int, Int, Int) {
            let b = buckets[order[i]]!
            return (b.knownBug == nil ? 0 : 1, -b.count, i)
        }
        let sorted = order.indices.sorted { rank($0) < rank($1) }.map { buckets[order[$0]]! }
        var versions: [String: String] = ["project": project.version]
        for o in oracles { versions[o.name] = o.version }
        return Report(
            workload: workload, seed: seed, mode: mode.bits, vendor: vendor.rawValue, oracles: versions, cases: cases,
            projectValid: projectValid, agreeing: agreeing, explained: explained, unexplained: unexplained, buckets: sorted)
    }
}
