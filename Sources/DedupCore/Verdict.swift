/// What the pipeline decides about one incoming article.
public enum Verdict: Equatable, Sendable {
    /// Not seen before: store it as a new article.
    case unique
    /// Its normalised text equals a stored article's.
    case exactDuplicate(of: Int64)
    /// Within the near-duplicate distance of a stored article (the nearest one).
    case nearDuplicate(of: Int64, distance: Int)
}

/// A stored fingerprint returned by an index lookup.
public struct Candidate: Equatable, Sendable {
    public let id: Int64
    public let simhash: UInt64

    public init(id: Int64, simhash: UInt64) {
        self.id = id
        self.simhash = simhash
    }
}

extension Verdict {
    /// Exact beats near; among near candidates the nearest wins, then the oldest (lowest id),
    /// so the verdict does not depend on the order the index returned rows in.
    public static func decide(
        simhash: UInt64, exactMatch: Int64?, candidates: [Candidate], maxDistance: Int
    ) -> Verdict {
        if let exactMatch { return .exactDuplicate(of: exactMatch) }
        var best: (id: Int64, distance: Int)?
        for candidate in candidates {
            let distance = SimHash.distance(simhash, candidate.simhash)
            guard distance <= maxDistance else { continue }
            if let current = best, (current.distance, current.id) <= (distance, candidate.id) { continue }
            best = (candidate.id, distance)
        }
        if let best { return .nearDuplicate(of: best.id, distance: best.distance) }
        return .unique
    }
}
