/// What the pipeline decides about one incoming article.
public enum Verdict: Equatable, Sendable {
    /// Not seen before: store it as a new article.
    case unique
    /// Its normalised text equals a stored article's.
    case exactDuplicate(of: Int64)
    /// Near a stored article: its whole-text SimHash within the threshold (`containment` nil),
    /// or its lead SimHash within the threshold and the shorter text's shingles contained in the
    /// other's (`containment` the score). `distance` is the distance of the SimHash that matched.
    case nearDuplicate(of: Int64, distance: Int, containment: Double?)
}

/// A stored fingerprint returned by an index lookup.
public struct Candidate: Equatable, Sendable {
    public let id: Int64
    public let simhash: UInt64
    public let leadSimhash: UInt64

    public init(id: Int64, simhash: UInt64, leadSimhash: UInt64) {
        self.id = id
        self.simhash = simhash
        self.leadSimhash = leadSimhash
    }
}

extension Verdict {
    /// Exact beats near; a whole-text match beats a lead match; among either the nearest wins,
    /// then the oldest (lowest id), so the verdict does not depend on the order the index
    /// returned rows in.
    ///
    /// Lead matches are confirmed with `containment` (called with the candidate's id, nearest
    /// first, only when no whole-text match exists): a shared lead alone is not enough, since
    /// unrelated stories can open with the same boilerplate block.
    public static func decide<E: Error>(
        _ fingerprint: Fingerprint, exactMatch: Int64?, candidates: [Candidate], maxDistance: Int,
        containment: (Int64) throws(E) -> Double
    ) throws(E) -> Verdict {
        if let exactMatch { return .exactDuplicate(of: exactMatch) }
        func nearest(_ distance: (Candidate) -> Int) -> [(id: Int64, distance: Int)] {
            candidates.map { ($0.id, distance($0)) }.filter { $0.distance <= maxDistance }
                .sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }
        }
        if let best = nearest({ SimHash.distance($0.simhash, fingerprint.simhash) }).first {
            return .nearDuplicate(of: best.id, distance: best.distance, containment: nil)
        }
        for lead in nearest({ SimHash.distance($0.leadSimhash, fingerprint.leadSimhash) }) {
            let score = try containment(lead.id)
            if score >= NearDuplicateThreshold.minimumContainment {
                return .nearDuplicate(of: lead.id, distance: lead.distance, containment: score)
            }
        }
        return .unique
    }
}
