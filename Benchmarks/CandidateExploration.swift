import DedupCore
import Foundation
import TestSupport

/// `newsdedup-bench quality --heavy --explore` (issue 15): a second way to find candidates,
/// by content, measured before it is built. Each text's k smallest shingle hashes are its
/// anchors (a bottom-k sketch: a copy that keeps most of the story keeps most of them, whatever
/// was put above, below or in it); texts sharing an anchor are candidates, and a candidate is a
/// duplicate when the shorter text's shingles are at least T in the other (containment, which
/// a copy with chrome or a new top keeps near 1 and two stories sharing a block do not).
///
/// The anchors may come from longer shingles than the fingerprint's: a word pair that is
/// common in a language ("of the") and happens to hash small is among the anchors of nearly
/// every text of that language, and every such text becomes everyone's candidate.
enum CandidateExploration {
    static func run(items: [EvalItem], judge: PairJudge, rows: inout [(String, QualityReport, Int)]) throws {
        let k = NearDuplicateThreshold.defaultMaxDistance
        // The copies only an anchor finds (beyond K, leads unequal, confirmed): how far apart
        // are their SimHashes? A bound there lets the daemon skip confirming anchor candidates
        // that are clearly unrelated (random texts sit 32 ± 4 bits apart).
        var histogram = [Int](repeating: 0, count: 65)
        var partOnly = 0
        for (j, item) in items.enumerated() where item.role != .original {
            guard let i = items.firstIndex(where: { $0.group == item.group && $0.role == .original }) else { continue }
            let whole = SimHash.distance(judge.fingerprints[i].simhash, judge.fingerprints[j].simhash)
            guard whole > k, judge.fingerprints[i].leadSimhash != judge.fingerprints[j].leadSimhash, judge.shareAnAnchor(i, j),
                  judge.containment(i, j) >= NearDuplicateThreshold.minimumContainment else { continue }
            histogram[whole] += 1
            partOnly += 1
        }
        print("Copies found only through an anchor: \(partOnly); their whole-text SimHash distances: "
            + histogram.enumerated().filter { $0.element > 0 }.map { "\($0.offset): \($0.element)" }.joined(separator: ", ") + "\n")
        let sorted = judge.shingles.map(\.hashes)
        for (gram, anchors) in [(2, 4), (3, 4), (4, 4), (4, 6), (5, 4)] {
            let grams = gram == Shingler.defaultSize ? sorted : try PairJudge(
                texts: items.map(\.text), fingerprinter: Fingerprinter(shingleSize: gram)).shingles.map(\.hashes)
            var index: [UInt64: [Int]] = [:]
            for (i, hashes) in grams.enumerated() {
                for anchor in hashes.prefix(anchors) { index[anchor, default: []].append(i) }
            }
            var candidates = Set<Int>()
            for list in index.values where list.count > 1 {
                for a in 0..<list.count {
                    for b in (a + 1)..<list.count { candidates.insert(min(list[a], list[b]) << 32 | max(list[a], list[b])) }
                }
            }
            let longest = index.values.map(\.count).max() ?? 0
            let threshold = NearDuplicateThreshold.minimumContainment
            var confirmed = Set<Int>()
            for pair in candidates where ShingleSet.containment(sorted: sorted[pair >> 32], sorted[pair & 0xFFFF_FFFF]) >= threshold {
                confirmed.insert(pair)
            }
            // Every near verdict confirmed, whichever way it was found: the SimHash path's
            // false duplicates among short template reports must pass containment too.
            let everyVerdict = QualityReport(items: items) { i, j in
                let pair = min(i, j) << 32 | max(i, j)
                if confirmed.contains(pair) { return 0 }
                let distance = judge.distance(i, j)
                guard distance <= k else { return distance }
                return ShingleSet.containment(sorted: sorted[i], sorted[j]) >= threshold ? distance : 99
            }
            rows.append(("+ \(anchors) anchors of word \(gram)-grams, every verdict confirmed >= \(threshold) "
                + "(\(candidates.count) candidate pairs, longest list \(longest))", everyVerdict, k))
        }
    }
}
