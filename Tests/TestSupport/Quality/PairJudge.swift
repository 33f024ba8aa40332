public import DedupCore

/// Judges pairs of evaluation texts the way the daemon judges an incoming article against a
/// stored one (`Verdict.decide`), as one number per pair: the smallest threshold K at which the
/// pair counts as a duplicate. That is the whole-text distance, or the lead distance when it is
/// smaller and the shingle containment confirms it.
public struct PairJudge: Sendable {
    public let fingerprints: [Fingerprint]
    public let shingles: [ShingleSet]

    public init(texts: [String], fingerprinter: Fingerprinter = Fingerprinter()) throws {
        var cache: NormalizationCache? = NormalizationCache()
        var fingerprints: [Fingerprint] = [], shingles: [ShingleSet] = []
        for text in texts {
            let analysis = try fingerprinter.analyze(text, cache: &cache)
            fingerprints.append(analysis.fingerprint)
            shingles.append(analysis.shingles)
        }
        self.fingerprints = fingerprints
        self.shingles = shingles
    }

    public func distance(_ i: Int, _ j: Int) -> Int {
        let whole = SimHash.distance(fingerprints[i].simhash, fingerprints[j].simhash)
        // An equal lead confirmed by containment matches at every threshold, as in the daemon.
        guard whole > 0, fingerprints[i].leadSimhash == fingerprints[j].leadSimhash else { return whole }
        return shingles[i].containment(shingles[j]) >= NearDuplicateThreshold.minimumContainment ? 0 : whole
    }

    /// The daemon's own decision for (i stored, j incoming) at `maxDistance`.
    public func verdict(stored i: Int, incoming j: Int, maxDistance: Int) -> Verdict {
        let stored = fingerprints[i]
        return Verdict.decide(
            fingerprints[j], exactMatch: stored.sha256 == fingerprints[j].sha256 ? Int64(i) : nil,
            candidates: [Candidate(id: Int64(i), simhash: stored.simhash, leadSimhash: stored.leadSimhash)],
            maxDistance: maxDistance
        ) { _ in shingles[i].containment(shingles[j]) }
    }
}
