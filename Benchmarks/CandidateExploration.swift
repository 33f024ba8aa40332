import DedupCore
import Foundation
import TestSupport

/// `newsdedup-bench quality --heavy --explore` (issue 15): a second way to find candidates,
/// by content, measured before it is built. Each text's k smallest shingle hashes are its
/// anchors (a bottom-k sketch: a copy that keeps most of the story keeps most of them, whatever
/// was put above, below or in it); texts sharing an anchor are candidates, and a candidate is a
/// duplicate when the shorter text's shingles are at least T in the other (containment, which
/// a copy with chrome or a new top keeps near 1 and two stories sharing a block do not).
enum CandidateExploration {
    static func run(items: [EvalItem], judge: PairJudge, rows: inout [(String, QualityReport, Int)]) {
        let k = NearDuplicateThreshold.defaultMaxDistance
        let sorted = judge.shingles.map(\.hashes)
        for anchors in [4, 8] {
            var index: [UInt64: [Int]] = [:]
            for (i, hashes) in sorted.enumerated() {
                for anchor in hashes.prefix(anchors) { index[anchor, default: []].append(i) }
            }
            var candidates = Set<Int>()
            for list in index.values where list.count > 1 {
                for a in 0..<list.count {
                    for b in (a + 1)..<list.count { candidates.insert(min(list[a], list[b]) << 32 | max(list[a], list[b])) }
                }
            }
            var scores: [Int: Double] = [:]
            for pair in candidates { scores[pair] = ShingleSet.containment(sorted: sorted[pair >> 32], sorted[pair & 0xFFFF_FFFF]) }
            for threshold in anchors == 4 ? [0.7, 0.8] : [0.8] {
                let confirmed = Set(scores.filter { $0.value >= threshold }.keys)
                let alone = QualityReport(items: items) { i, j in
                    confirmed.contains(min(i, j) << 32 | max(i, j)) ? 0 : judge.distance(i, j)
                }
                rows.append(("+ \(anchors) anchors, containment >= \(threshold) (\(candidates.count) candidate pairs)", alone, k))
                // Every near verdict confirmed, whichever way it was found: the SimHash path's
                // false duplicates among short template reports must pass containment too.
                let everyVerdict = QualityReport(items: items) { i, j in
                    let pair = min(i, j) << 32 | max(i, j)
                    if confirmed.contains(pair) { return 0 }
                    let distance = judge.distance(i, j)
                    guard distance <= k else { return distance }
                    return ShingleSet.containment(sorted: sorted[i], sorted[j]) >= threshold ? distance : 99
                }
                rows.append(("+ \(anchors) anchors, every verdict confirmed >= \(threshold)", everyVerdict, k))
            }
        }
    }
}
