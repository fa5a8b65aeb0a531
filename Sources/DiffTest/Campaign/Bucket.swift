/// All findings with one signature: a count, when it was first and last seen, and the smallest
/// exemplar (`Case.smaller`; new buckets' exemplars are minimized).
public struct Bucket: Codable, Equatable, Sendable {
    public var signature: Signature
    public var severity: Severity
    public var count: Int
    /// Campaign case indices of the first and last finding (nil when rebuilt from a corpus).
    public var firstIndex: UInt64?
    public var lastIndex: UInt64?
    /// ISO 8601 dates (UTC) of the first and last run that saw it (from the corpus, or this run).
    public var firstSeen: String?
    public var lastSeen: String?
    public var exemplar: Finding
    /// The finding as first found, before minimization (nil when it was already minimal).
    public var original: Finding?

    public init(first: Finding, index: UInt64?) {
        signature = first.signature
        severity = first.severity
        count = 1
        firstIndex = index
        lastIndex = index
        exemplar = first
    }

    public var explained: Bool { signature.knownBug != nil }
    public var blame: String? { exemplar.blame }
    public var id: String { signature.text }

    /// Report order: unexplained first, then severity (most severe first), count (largest
    /// first), signature text.
    public static func reportOrder(_ a: Bucket, _ b: Bucket) -> Bool {
        if a.explained != b.explained { return !a.explained }
        if a.severity != b.severity { return a.severity > b.severity }
        if a.count != b.count { return a.count > b.count }
        return a.signature < b.signature
    }
}

/// Buckets by signature, in first-seen order. Fed in case-index order, so it is the same for
/// any number of workers.
public struct BucketTable: Sendable {
    public private(set) var buckets: [Bucket] = []
    /// Keyed by the signature itself: hashing its parts is cheaper than building its text.
    private var position: [Signature: Int] = [:]

    public init() {}

    public var count: Int { buckets.count }

    public subscript(signature: Signature) -> Bucket? {
        position[signature].map { buckets[$0] }
    }

    /// Counts a finding; returns true when it opened a new bucket. A smaller case replaces the
    /// exemplar.
    @discardableResult
    public mutating func add(_ f: Finding, index: UInt64?) -> Bool {
        let key = f.signature
        if let p = position[key] {
            buckets[p].count += 1
            buckets[p].lastIndex = index
            if Case.smaller(f.case, buckets[p].exemplar.case) {
                buckets[p].exemplar = f
            }
            return false
        }
        position[key] = buckets.count
        buckets.append(Bucket(first: f, index: index))
        return true
    }

    /// Replaces a bucket (after minimization or when merging stored state).
    public mutating func update(_ b: Bucket) {
        if let p = position[b.signature] {
            buckets[p] = b
        } else {
            position[b.signature] = buckets.count
            buckets.append(b)
        }
    }
}
