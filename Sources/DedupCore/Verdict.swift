/// What the pipeline decides about one incoming article.
public enum Verdict: Equatable, Sendable {
    /// Not seen before: store it as a new article.
    case unique
    /// Its normalised text equals a stored article's.
    case exactDuplicate(of: Int64)
    /// Near a stored article: its whole-text SimHash within the threshold (`containment` nil),
    /// or its lead SimHash equal and the shorter text's shingles contained in the other's
    /// (`containment` the score). `distance` is the distance of the SimHash that matched (0 for
    /// the lead).
    case nearDuplicate(of: Int64, distance: Int, containment: Double?)
}

/// A stored fingerprint returned by an index lookup.
public struct Candidate: Equatable, Sendable {
    public let id: Int64
    public let simhash: UInt64
    /// Nil when the row was found through the whole-text index, which keeps no leads.
    public let leadSimhash: UInt64?

    public init(id: Int64, simhash: UInt64, leadSimhash: UInt64?) {
        self.id = id
        self.simhash = simhash
        self.leadSimhash = leadSimhash
    }
}

extension Verdict {
    /// Exact beats near; a whole-text match beats a lead match; among whole-text matches the
    /// nearest wins, then the oldest (lowest id), so the verdict does not depend on the order
    /// the index returned rows in.
    ///
    /// A lead match needs the lead SimHash equal (see `NearDuplicateThreshold.minimumContainment`)
    /// and is confirmed with `containment` (called with the candidate's id, oldest first, only
    /// when no whole-text match exists): a shared lead alone is not enough, since unrelated
    /// stories can open with the same boilerplate block.
    public static func decide<E: Error>(
        _ fingerprint: Fingerprint, exactMatch: Int64?, candidates: [Candidate], maxDistance: Int,
        containment: (Int64) throws(E) -> Double
    ) throws(E) -> Verdict {
        if let exactMatch { return .exactDuplicate(of: exactMatch) }
        let whole = candidates.map { ($0.id, SimHash.distance($0.simhash, fingerprint.simhash)) }
            .filter { $0.1 <= maxDistance }.min { ($0.1, $0.0) < ($1.1, $1.0) }
        if let (id, distance) = whole {
            return .nearDuplicate(of: id, distance: distance, containment: nil)
        }
        let leads = candidates.filter { $0.leadSimhash == fingerprint.leadSimhash }.map(\.id)
        for id in Set(leads).sorted() {
            let score = try containment(id)
            if score >= NearDuplicateThreshold.minimumContainment {
                return .nearDuplicate(of: id, distance: 0, containment: score)
            }
        }
        return .unique
    }
}
