import DedupCore
import Testing

@Suite struct VerdictTests {
    /// A fingerprint with these SimHashes (the digest does not matter to the verdict).
    func print(_ simhash: UInt64, lead: UInt64? = nil) -> Fingerprint {
        Fingerprint(simhash: simhash, leadSimhash: lead ?? simhash, sha256: [], tokenCount: 1)
    }

    func never(_ id: Int64) -> Double {
        Issue.record("containment asked for \(id)")
        return 0
    }

    @Test func exactBeatsNear() {
        let verdict = Verdict.decide(
            print(0), exactMatch: 9, candidates: [Candidate(id: 1, simhash: 0, leadSimhash: 0)], maxDistance: 7, containment: never)
        #expect(verdict == .exactDuplicate(of: 9))
    }

    @Test func nearestThenOldestWins() {
        let candidates = [
            Candidate(id: 5, simhash: 0b111, leadSimhash: ~0), Candidate(id: 4, simhash: 0b1, leadSimhash: ~0),
            Candidate(id: 2, simhash: 0b10, leadSimhash: ~0), Candidate(id: 1, simhash: 0xFFFF, leadSimhash: ~0),
        ]
        #expect(Verdict.decide(print(0), exactMatch: nil, candidates: candidates, maxDistance: 7, containment: never)
            == .nearDuplicate(of: 2, distance: 1, containment: nil))
    }

    @Test func beyondTheThresholdIsUnique() {
        #expect(Verdict.decide(print(0), exactMatch: nil, candidates: [Candidate(id: 1, simhash: 0xFF, leadSimhash: 0xFF)],
                               maxDistance: 7) { _ in 1 } == .unique)
        #expect(Verdict.decide(print(0), exactMatch: nil, candidates: [Candidate(id: 1, simhash: 0x7F, leadSimhash: ~0)],
                               maxDistance: 7, containment: never) == .nearDuplicate(of: 1, distance: 7, containment: nil))
    }

    @Test func aWholeTextMatchBeatsACloserLeadMatch() {
        let candidates = [Candidate(id: 1, simhash: ~0, leadSimhash: 0), Candidate(id: 2, simhash: 0b11111, leadSimhash: ~0)]
        #expect(Verdict.decide(print(0), exactMatch: nil, candidates: candidates, maxDistance: 7, containment: never)
            == .nearDuplicate(of: 2, distance: 5, containment: nil))
    }

    @Test func aLeadMatchCountsOnlyWhenContainmentConfirmsIt() {
        // The whole texts are far apart; the leads are equal.
        let candidates = [Candidate(id: 7, simhash: ~0, leadSimhash: 0), Candidate(id: 3, simhash: ~0, leadSimhash: 0)]
        var asked: [Int64] = []
        let verdict = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: candidates, maxDistance: 7) { id in
            asked.append(id)
            return id == 3 ? 0.25 : 0.97  // the older shares an opening block only; the other is a cut copy
        }
        #expect(asked == [3, 7], "oldest first, then the next")
        #expect(verdict == .nearDuplicate(of: 7, distance: 0, containment: 0.97))

        let refused = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: candidates, maxDistance: 7) { _ in 0.79 }
        #expect(refused == .unique)
        let atThreshold = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: [candidates[1]], maxDistance: 7) { _ in
            NearDuplicateThreshold.minimumContainment
        }
        #expect(atThreshold == .nearDuplicate(of: 3, distance: 0, containment: NearDuplicateThreshold.minimumContainment))
    }

    @Test func aLeadOneBitAwayOrUnknownIsNoLeadMatch() {
        // Leads must be equal; a candidate from the whole-text index has no lead to compare.
        let candidates = [Candidate(id: 1, simhash: ~0, leadSimhash: 0b1), Candidate(id: 2, simhash: ~0, leadSimhash: nil)]
        #expect(Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: candidates, maxDistance: 7, containment: never) == .unique)
    }
}

@Suite struct ShingleSetTests {
    @Test func deduplicatesAndSorts() {
        #expect(ShingleSet([5, 1, 5, 3, 1]).hashes == [1, 3, 5])
        #expect(ShingleSet([]).hashes.isEmpty)
    }

    @Test func containmentIsSharedOverTheSmallerSet() {
        let whole = ShingleSet(Array(1...100))
        #expect(whole.containment(ShingleSet(Array(1...70))) == 1)  // a copy cut short
        #expect(ShingleSet(Array(1...70)).containment(whole) == 1)  // symmetric
        #expect(whole.containment(ShingleSet(Array(91...130))) == 0.25)  // 10 of 40 shared
        #expect(whole.containment(ShingleSet([])) == 0)
        #expect(whole.containment(ShingleSet(Array(201...300))) == 0)
    }
}
