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

    @Test func nearestThenOldestWinsWhenConfirmed() {
        let candidates = [
            Candidate(id: 5, simhash: 0b111, leadSimhash: ~0), Candidate(id: 4, simhash: 0b1, leadSimhash: ~0),
            Candidate(id: 2, simhash: 0b10, leadSimhash: ~0), Candidate(id: 1, simhash: 0xFFFF, leadSimhash: ~0),
        ]
        var asked: [Int64] = []
        let verdict = Verdict.decide(print(0), exactMatch: nil, candidates: candidates, maxDistance: 7) { id in
            asked.append(id)
            return 0.9
        }
        #expect(verdict == .nearDuplicate(of: 2, distance: 1, containment: 0.9, path: .whole))
        #expect(asked == [2])
    }

    @Test func aWholeTextMatchMustBeConfirmedToo() {
        // A template report: the same frame with other numbers lands within K, shares little.
        let candidates = [Candidate(id: 2, simhash: 0b1, leadSimhash: ~0), Candidate(id: 4, simhash: 0b11, leadSimhash: ~0)]
        var asked: [Int64] = []
        let verdict = Verdict.decide(print(0), exactMatch: nil, candidates: candidates, maxDistance: 7) { id in
            asked.append(id)
            return id == 2 ? 0.55 : 0.85
        }
        #expect(asked == [2, 4])
        #expect(verdict == .nearDuplicate(of: 4, distance: 2, containment: 0.85, path: .whole))
        #expect(Verdict.decide(print(0), exactMatch: nil, candidates: candidates, maxDistance: 7) { _ in 0.79 } == .unique)
    }

    @Test func pathsAreTriedWholeThenLeadThenPart() {
        let candidates = [
            Candidate(id: 1, simhash: 0xFFFF, leadSimhash: nil),  // a shared anchor only, 16 bits away
            Candidate(id: 2, simhash: ~0, leadSimhash: 0),  // an equal lead
            Candidate(id: 3, simhash: 0b1111111, leadSimhash: ~0),  // 7 bits: whole text
        ]
        var asked: [Int64] = []
        let none = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: candidates, maxDistance: 7) { id in
            asked.append(id)
            return 0.5
        }
        #expect(none == .unique)
        #expect(asked == [3, 2, 1])
        let part = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: candidates, maxDistance: 7) { $0 == 1 ? 0.9 : 0 }
        #expect(part == .nearDuplicate(of: 1, distance: 16, containment: 0.9, path: .part))
        let lead = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: candidates, maxDistance: 7) { $0 == 3 ? 0 : 1 }
        #expect(lead == .nearDuplicate(of: 2, distance: 64, containment: 1, path: .lead))
    }

    @Test func leadMatchesAreTriedOldestFirstAndNeedTheThreshold() {
        // The whole texts are far apart; the leads are equal.
        let candidates = [Candidate(id: 7, simhash: ~0, leadSimhash: 0), Candidate(id: 3, simhash: ~0, leadSimhash: 0)]
        var asked: [Int64] = []
        let verdict = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: candidates, maxDistance: 7) { id in
            asked.append(id)
            return id == 3 ? 0.25 : 0.97  // the older shares an opening block only; the other is a cut copy
        }
        #expect(asked == [3, 7], "oldest first, then the next")
        #expect(verdict == .nearDuplicate(of: 7, distance: 64, containment: 0.97, path: .lead))

        let refused = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: candidates, maxDistance: 7) { _ in 0.79 }
        #expect(refused == .unique)
        let atThreshold = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: [candidates[1]], maxDistance: 7) { _ in
            NearDuplicateThreshold.minimumContainment
        }
        #expect(atThreshold == .nearDuplicate(of: 3, distance: 64, containment: NearDuplicateThreshold.minimumContainment, path: .lead))
    }

    @Test func aCandidateFoundTwiceIsTriedOnceOnItsBestPath() {
        let candidates = [Candidate(id: 5, simhash: ~0, leadSimhash: nil), Candidate(id: 5, simhash: ~0, leadSimhash: 0)]
        var asked: [Int64] = []
        let verdict = Verdict.decide(print(0, lead: 0), exactMatch: nil, candidates: candidates, maxDistance: 7) { id in
            asked.append(id)
            return 1
        }
        #expect(asked == [5])
        #expect(verdict == .nearDuplicate(of: 5, distance: 64, containment: 1, path: .lead))
    }

    @Test func anAnchorCandidateFarOffIsNotConfirmed() {
        // Unrelated texts lie about 32 bits apart: a shared anchor there is chance or a common phrase.
        let far = Candidate(id: 1, simhash: (1 << 25) - 1, leadSimhash: nil)  // 25 bits
        let near = Candidate(id: 2, simhash: (1 << 24) - 1, leadSimhash: nil)  // 24 bits
        var asked: [Int64] = []
        let verdict = Verdict.decide(print(0), exactMatch: nil, candidates: [far, near], maxDistance: 7) { id in
            asked.append(id)
            return 1
        }
        #expect(asked == [2])
        #expect(verdict == .nearDuplicate(of: 2, distance: NearDuplicateThreshold.maxPartDistance, containment: 1, path: .part))
    }

    @Test func atMostMaxConfirmationsAreTried() {
        let candidates = (1...20).map { Candidate(id: Int64($0), simhash: 0xFFFF, leadSimhash: nil) }
        var asked = 0
        let verdict = Verdict.decide(print(0), exactMatch: nil, candidates: candidates, maxDistance: 7) { _ in
            asked += 1
            return 0.1
        }
        #expect(verdict == .unique)
        #expect(asked == Verdict.maxConfirmations)
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
