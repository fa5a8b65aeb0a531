import X86Decoder

/// Shrinks a finding's case while its signature still reproduces. Deterministic (the same
/// case, oracles and signature always give the same result) and bounded: at most `maxSteps`
/// candidate checks.
///
/// Passes, repeated until one round changes nothing:
/// 1. drop trailing bytes (shortest reproducing prefix first);
/// 2. drop single bytes, front first (prefixes, duplicated escapes);
/// 3. on the project's encoding layout (when it decodes): zero the displacement, zero the
///    immediate, ModRM.reg to 0, ModRM.rm to 0, SIB index and base to 0, REX.RXB cleared;
/// 4. zero each remaining byte after the first, last first.
/// Candidates that are not smaller (`Case.smaller`) are not tried.
public struct Minimizer {
    public let checker: any CaseChecker
    public var maxSteps: Int

    public struct Result: Sendable {
        public var `case`: Case
        public var finding: Finding
        public var steps: Int
    }

    public init(checker: any CaseChecker, maxSteps: Int = 200) {
        self.checker = checker
        self.maxSteps = maxSteps
    }

    /// The smallest case found whose findings include `signature`; nil when `c` itself does
    /// not reproduce it.
    public func minimize(_ c: Case, signature: Signature) -> Result? {
        var steps = 0
        func reproduces(_ candidate: Case) -> Finding? {
            steps += 1
            return checker.reproduce(candidate, signature: signature)
        }
        guard var best = reproduces(c) else { return nil }
        var current = c
        func attempt(_ bytes: [UInt8]) -> Bool {
            guard steps < maxSteps, !bytes.isEmpty else { return false }
            var candidate = current
            candidate.bytes = bytes
            guard Case.smaller(candidate, current), let f = reproduces(candidate) else { return false }
            current = candidate
            best = f
            return true
        }
        var changed = true
        while changed && steps < maxSteps {
            changed = false
            // 1. trailing bytes
            for n in 1..<max(1, current.bytes.count) where attempt(Array(current.bytes.prefix(n))) {
                changed = true
                break
            }
            // 2. single bytes, front first
            var i = 0
            while i < current.bytes.count && current.bytes.count > 1 {
                var b = current.bytes
                b.remove(at: i)
                if attempt(b) { changed = true } else { i += 1 }
            }
            // 3. fields of the encoding layout
            for candidate in layoutCandidates(current) where attempt(candidate) { changed = true }
            // 4. zero single bytes, last first
            for k in stride(from: current.bytes.count - 1, through: 1, by: -1) where k < current.bytes.count && current.bytes[k] != 0 {
                var b = current.bytes
                b[k] = 0
                if attempt(b) { changed = true }
            }
        }
        var out = best
        out.case = current
        if current.bytes != c.bytes { out.minimizedFrom = c.id }
        return Result(case: current, finding: out, steps: steps)
    }

    /// Field-wise simplifications of the project's decoding of `c` (none when it is invalid).
    func layoutCandidates(_ c: Case) -> [[UInt8]] {
        guard case .valid(let i) = X86Decoder(mode: c.mode, vendor: c.vendor).decode(c.bytes) else { return [] }
        let l = i.layout
        let b = c.bytes
        var out: [[UInt8]] = []
        func zeroed(_ offset: UInt8, _ size: UInt8) {
            guard size > 0, Int(offset) + Int(size) <= b.count else { return }
            var x = b
            for k in Int(offset)..<Int(offset) + Int(size) { x[k] = 0 }
            if x != b { out.append(x) }
        }
        func masked(_ offset: UInt8, present: UInt8, keep: UInt8) {
            guard present > 0, Int(offset) < b.count else { return }
            var x = b
            x[Int(offset)] &= keep
            if x != b { out.append(x) }
        }
        zeroed(l.displacementOffset, l.displacementSize)
        zeroed(l.immediateOffset, l.immediateSize)
        zeroed(l.immediate2Offset, l.immediate2Size)
        masked(l.modrmOffset, present: l.modrmSize, keep: 0xC7)  // reg -> 0
        masked(l.modrmOffset, present: l.modrmSize, keep: 0xF8)  // rm -> 0
        masked(l.sibOffset, present: l.sibSize, keep: 0xC7)  // index -> 0
        masked(l.sibOffset, present: l.sibSize, keep: 0xF8)  // base -> 0
        masked(l.rexOffset, present: l.rexSize, keep: 0xF8)  // REX.RXB -> 0
        return out
    }
}
