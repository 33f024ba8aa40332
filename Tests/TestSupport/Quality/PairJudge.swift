public import DedupCore

/// Judges pairs of evaluation texts the way the daemon judges an incoming article against a
/// stored one (`Verdict.decide`), as one number per pair: the smallest threshold K at which the
/// pair counts as a duplicate. A pair is a candidate when its whole-text SimHashes are within
/// K, its leads are equal or it shares an anchor; a candidate counts only when the shingle
/// containment confirms it. (The daemon also skips an anchor shared by more than
/// `NearDuplicateIndex.anchorListLimit` stored articles, which a pair cannot show.)
public struct PairJudge: Sendable {
    public let fingerprints: [Fingerprint]
    public let shingles: [ShingleSet]
    /// Each text's distinct shingle hashes, sorted once.
    public let sorted: [[UInt64]]
    /// For each text, the texts it shares an anchor with (an inverted index, built once: the
    /// reports ask about every pair).
    let anchorPartners: [Set<Int>]

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
        sorted = shingles.map(\.hashes)
        var holders: [UInt32: [Int]] = [:]
        for (i, fingerprint) in fingerprints.enumerated() {
            for anchor in Set(fingerprint.anchors) { holders[anchor, default: []].append(i) }
        }
        var partners = [Set<Int>](repeating: [], count: fingerprints.count)
        for list in holders.values where list.count > 1 {
            for i in list { partners[i].formUnion(list) }
        }
        anchorPartners = partners
    }

    public func containment(_ i: Int, _ j: Int) -> Double {
        ShingleSet.containment(sorted: sorted[i], sorted[j])
    }

    /// Whether the two texts share an anchor.
    public func shareAnAnchor(_ i: Int, _ j: Int) -> Bool {
        i != j && anchorPartners[i].contains(j)
    }

    public func distance(_ i: Int, _ j: Int) -> Int {
        let whole = SimHash.distance(fingerprints[i].simhash, fingerprints[j].simhash)
        let lead = fingerprints[i].leadSimhash == fingerprints[j].leadSimhash
        let anchor = shareAnAnchor(i, j) && whole <= NearDuplicateThreshold.maxPartDistance
        // Beyond every threshold a report asks about, and not found another way: never a candidate.
        guard whole <= QualityReport.thresholds.last! || lead || anchor else { return whole }
        guard containment(i, j) >= NearDuplicateThreshold.minimumContainment else { return 99 }
        // Found by the lead or an anchor, a confirmed copy matches at every threshold.
        return lead || anchor ? 0 : whole
    }

    /// The daemon's own decision for (i stored, j incoming) at `maxDistance`.
    public func verdict(stored i: Int, incoming j: Int, maxDistance: Int) -> Verdict {
        let stored = fingerprints[i], incoming = fingerprints[j]
        let found = SimHash.distance(stored.simhash, incoming.simhash) <= maxDistance
            || stored.leadSimhash == incoming.leadSimhash || shareAnAnchor(i, j)  // decide applies the part bound
        return Verdict.decide(
            incoming, exactMatch: stored.sha256 == incoming.sha256 ? Int64(i) : nil,
            candidates: found ? [Candidate(id: Int64(i), simhash: stored.simhash, leadSimhash: stored.leadSimhash)] : [],
            maxDistance: maxDistance
        ) { _ in containment(i, j) }
    }
}
