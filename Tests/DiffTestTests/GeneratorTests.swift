import Testing
import X86Decoder

@testable import DiffTest

/// Every generator is a function of (seed, index): the same seed gives the same cases in any
/// order, on any thread; the structured generator reaches every map the opcode map defines;
/// the tunnel walk resumes exactly from a saved position.
@Suite struct GeneratorTests {
    @Test(arguments: GeneratorKind.allCases.filter { $0 != .tunnel })
    func statelessGeneratorsAreDeterministic(kind: GeneratorKind) {
        let a = CaseFactory(seed: 42, mode: .bits64, vendor: .intel, kinds: [kind])
        let b = CaseFactory(seed: 42, mode: .bits64, vendor: .intel, kinds: [kind])
        let forward = (0..<500).map { a.make(at: UInt64($0))!.bytes }
        let backward = (0..<500).reversed().map { b.make(at: UInt64($0))!.bytes }.reversed()
        #expect(forward == Array(backward), "\(kind): the case at an index must not depend on the order cases are made in")
        let other = CaseFactory(seed: 43, mode: .bits64, vendor: .intel, kinds: [kind])
        #expect(forward != (0..<500).map { other.make(at: UInt64($0))!.bytes }, "\(kind): another seed must give other cases")
        for (i, bytes) in forward.enumerated() {
            #expect((1...15).contains(bytes.count), "\(kind) index \(i): \(bytes.count) bytes")
        }
    }

    @Test func randomIsOneToFifteenUniformBytes() {
        var rng = SplitMix64(seed: 1)
        var lengths = Set<Int>()
        for _ in 0..<2000 { lengths.insert(RandomGenerator().make(&rng).count) }
        #expect(lengths == Set(1...15))
    }

    @Test func allGeneratorsShareCasesByWeight() {
        let f = CaseFactory(seed: 9, mode: .bits64, vendor: .intel, kinds: GeneratorKind.allCases)
        var counts: [GeneratorKind: Int] = [:]
        for i in 0..<10_000 { counts[f.kind(at: UInt64(i)), default: 0] += 1 }
        for k in GeneratorKind.allCases {
            let expected = Double(k.weight) * 100
            #expect(abs(Double(counts[k] ?? 0) - expected) < expected * 0.15, "\(k): \(counts[k] ?? 0) of 10000, expected about \(expected)")
        }
    }

    @Test func structuredReachesEveryDefinedMap() {
        let g = StructuredGenerator(mode: .bits64, vendor: .intel)
        let decoder = X86Decoder(mode: .bits64, vendor: .intel)
        var seen = Set<OpcodeMap>()
        for i in 0..<6000 {
            var rng = CaseStream.rng(seed: 5, index: UInt64(i))
            let p = decoder.probe(g.make(&rng))
            if p.opcodeKnown && p.result.isValid { seen.insert(p.map) }
        }
        let defined = Set(OpcodeMap.allCases.filter { !g.space.defined[Int($0.rawValue)].isEmpty })
        #expect(defined.count >= 12, "the opcode map defines \(defined.count) maps")
        #expect(defined.subtracting(seen).isEmpty, "never reached with a valid instruction: \(defined.subtracting(seen).map(\.name))")
    }

    @Test func structuredIsMostlyValidAndVariesPrefixes() {
        let g = StructuredGenerator(mode: .bits64, vendor: .intel)
        let decoder = X86Decoder(mode: .bits64, vendor: .intel)
        var valid = 0
        var withLock = 0
        for i in 0..<3000 {
            var rng = CaseStream.rng(seed: 11, index: UInt64(i))
            let b = g.make(&rng)
            if decoder.length(of: b).isValid { valid += 1 }
            if b.first == 0xF0 { withLock += 1 }
        }
        #expect(valid > 1200, "valid: \(valid) of 3000")
        #expect(withLock > 100, "LOCK first: \(withLock) of 3000")
    }

    @Test func tunnelIsDeterministicAndResumes() throws {
        var a = TunnelGenerator(seed: 3, mode: .bits64, vendor: .intel)
        let first = (0..<300).map { _ in a.next() }
        var b = TunnelGenerator(seed: 3, mode: .bits64, vendor: .intel)
        #expect((0..<300).map { _ in b.next() } == first)
        let saved = a.state
        let continued = (0..<300).map { _ in a.next() }
        var resumed = try TunnelGenerator(resuming: saved, seed: 3, mode: .bits64, vendor: .intel)
        #expect((0..<300).map { _ in resumed.next() } == continued, "resuming from a saved position continues the same walk")
    }

    @Test func tunnelWalksLexicographicallyUpward() {
        var t = TunnelGenerator(seed: 8, mode: .bits64, vendor: .intel)
        var previous = t.next()
        for step in 0..<2000 {
            let b = t.next()
            #expect(previous.lexicographicallyPrecedes(b) || b[0] != previous[0], "step \(step): \(Hex.string(previous)) -> \(Hex.string(b))")
            previous = b
        }
    }

    @Test func tunnelShardsStartApart() {
        let one = TunnelGenerator(seed: 1, mode: .bits64, vendor: .intel, shard: 1, of: 4).buffer[0]
        let three = TunnelGenerator(seed: 1, mode: .bits64, vendor: .intel, shard: 3, of: 4).buffer[0]
        #expect(one == 0x00)
        #expect(three == 0x80)
    }

    @Test func mutateStaysNearItsPool() {
        let g = MutateGenerator(pool: [[0x0F, 0xB9, 0xC0]])
        var rng = SplitMix64(seed: 2)
        for _ in 0..<500 {
            let b = g.make(&rng)
            #expect((1...15).contains(b.count))
        }
    }
}
