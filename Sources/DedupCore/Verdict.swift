/// What the pipeline decides about one incoming article.
public enum Verdict: Equatable, Sendable {
    /// Not seen before: store it as a new article.
    case unique
    /// Its normalised text equals a stored article's.
    case exactDuplicate(of: Int64)
    /// A re-publication of a stored article: found on `path`, confirmed by `containment` (the
    /// share of the shorter text's shingles the other holds). `distance` is the whole-text
    /// SimHash distance of the two, whichever path found the match.
    case nearDuplicate(of: Int64, distance: Int, containment: Double, path: MatchPath)
}

/// How a near duplicate was found; the cases in the order candidates are tried.
public enum MatchPath: String, Sendable, Codable, CaseIterable, Comparable {
    /// Whole-text SimHashes within the threshold K.
    case whole
    /// Equal lead SimHashes: a copy cut short.
    case lead
    /// A shared anchor (`Anchors`): a copy with a new top, chrome around it, cut deep or
    /// updated, whose SimHash drifted past K.
    case part

    /// The path by which a stored text (`simhash`, `leadSimhash` when known) is a candidate of
    /// `incoming`: nil for an anchor candidate beyond `NearDuplicateThreshold.maxPartDistance`,
    /// which is never confirmed. The one rule for ingest (`Verdict.decide`) and `similar`.
    public init?(simhash: UInt64, leadSimhash: UInt64?, of incoming: Fingerprint, maxDistance: Int) {
        let distance = SimHash.distance(simhash, incoming.simhash)
        if distance <= maxDistance {
            self = .whole
        } else if leadSimhash == incoming.leadSimhash {
            self = .lead
        } else if distance <= NearDuplicateThreshold.maxPartDistance {
            self = .part
        } else {
            return nil
        }
    }

    public static func < (a: MatchPath, b: MatchPath) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A stored article an index lookup returned, by whichever path.
public struct Candidate: Equatable, Sendable {
    public let id: Int64
    public let simhash: UInt64
    /// Nil when the row came from an in-memory index, which keeps no leads.
    public let leadSimhash: UInt64?

    public init(id: Int64, simhash: UInt64, leadSimhash: UInt64?) {
        self.id = id
        self.simhash = simhash
        self.leadSimhash = leadSimhash
    }
}

extension Verdict {
    /// At most this many candidates are confirmed per article (each confirmation reads and
    /// analyses a stored text). Real copies are found among the first: the nearest whole-text
    /// match, then the oldest. A text near more than eight stored ones that all fail
    /// containment is stored as new.
    public static let maxConfirmations = 8

    /// Exact beats near. A candidate found by an anchor alone counts only within
    /// `NearDuplicateThreshold.maxPartDistance` bits. Every near candidate must be confirmed by
    /// `containment` (called with its id) reaching `NearDuplicateThreshold.minimumContainment`: SimHash alone merges
    /// template reports (the same sentence frame with other names and numbers) and, at 100 M
    /// articles, unrelated texts that fall within K by chance. Candidates are tried by path —
    /// whole text (nearest first), equal lead, shared anchor — then oldest first, so the verdict
    /// does not depend on the order the index returned rows in.
    public static func decide<E: Error>(
        _ fingerprint: Fingerprint, exactMatch: Int64?, candidates: [Candidate], maxDistance: Int,
        containment: (Int64) throws(E) -> Double
    ) throws(E) -> Verdict {
        if let exactMatch { return .exactDuplicate(of: exactMatch) }
        var best: [Int64: (path: MatchPath, distance: Int)] = [:]
        for candidate in candidates {
            guard let path = MatchPath(simhash: candidate.simhash, leadSimhash: candidate.leadSimhash, of: fingerprint,
                                       maxDistance: maxDistance) else { continue }
            if let known = best[candidate.id], known.path <= path { continue }
            best[candidate.id] = (path, SimHash.distance(candidate.simhash, fingerprint.simhash))
        }
        // Nearest first among whole-text matches; oldest first within a path.
        func order(_ id: Int64, _ match: (path: MatchPath, distance: Int)) -> (MatchPath, Int, Int64) {
            (match.path, match.path == .whole ? match.distance : 0, id)
        }
        let ordered = best.sorted { order($0.key, $0.value) < order($1.key, $1.value) }
        for (id, match) in ordered.prefix(maxConfirmations) {
            let score = try containment(id)
            if score >= NearDuplicateThreshold.minimumContainment {
                return .nearDuplicate(of: id, distance: match.distance, containment: score, path: match.path)
            }
        }
        return .unique
    }
}
