import X86Decoder

/// Makes the case at a campaign index from the seed alone, for the stateless generators
/// (random, structured, mutate): which generator, then its bytes, both from `CaseStream`.
/// Safe to share between threads. Tunnel cases come from a `TunnelGenerator` walked in index
/// order by the campaign (`kind(at:)` says which indices are tunnel's).
public struct CaseFactory: Sendable {
    public let seed: UInt64
    public let mode: Mode
    public let vendor: Vendor
    public let kinds: [GeneratorKind]
    let random = RandomGenerator()
    let structured: StructuredGenerator?
    let mutate: MutateGenerator?
    /// Execution campaigns: structured cases are execution cases (bytes plus a seeded state).
    let execution: ExecutionGenerator?

    /// `pool`: the mutate generator's seeds (cases of other modes are left out).
    public init(seed: UInt64, mode: Mode, vendor: Vendor, kinds: [GeneratorKind], pool: [Case] = [], execution: Bool = false) {
        self.execution = execution ? ExecutionGenerator(mode: mode, vendor: vendor) : nil
        self.seed = seed
        self.mode = mode
        self.vendor = vendor
        self.kinds = kinds
        structured = kinds.contains(.structured) ? StructuredGenerator(mode: mode, vendor: vendor) : nil
        mutate = kinds.contains(.mutate) ? MutateGenerator(pool: pool.filter { $0.mode == mode && $0.state == nil }.map(\.bytes)) : nil
    }

    @inline(__always)
    public func kind(at index: UInt64) -> GeneratorKind {
        CaseStream.generator(seed: seed, index: index, kinds: kinds)
    }

    /// The case at `index`, or nil when `index` belongs to the tunnel walk.
    public func make(at index: UInt64) -> Case? {
        let kind = kind(at: index)
        var rng = CaseStream.rng(seed: seed, index: index)
        let bytes: [UInt8]
        if let execution, kind == .structured {
            let (b, state) = execution.make(&rng)
            return Case(mode: mode, vendor: vendor, bytes: b, state: state, origin: .init(generator: "structured", seed: seed, index: index))
        }
        switch kind {
        case .random: bytes = random.make(&rng)
        case .structured: bytes = structured!.make(&rng)
        case .mutate: bytes = mutate!.make(&rng)
        case .tunnel: return nil
        }
        return Case(mode: mode, vendor: vendor, bytes: bytes, origin: .init(generator: kind.rawValue, seed: seed, index: index))
    }
}
