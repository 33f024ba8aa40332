@testable import DedupCore
import TestSupport
import Testing

/// The in-memory index must return exactly what a scan of every live article returns, through
/// inserts, removals and rebuilds, in both band layouts: four 16-bit bands throughout
/// (`wideFrom: .max`), and three wide bands once it holds 20,000 articles (the switch happens
/// at a rebuild, with rows pending and removed around it).
@Suite struct InMemoryIndexTests {
    @Test(arguments: [Int.max, 20_000])
    func equalsAScanThroughInsertsRemovalsAndRebuilds(wideFrom: Int) {
        var rng = SeededGenerator(seed: 0x1DE7)
        var index = NearDuplicateIndex(wideFrom: wideFrom)
        var live: [Int64: (UInt64, UInt64)] = [:]
        var points: [(UInt64, UInt64)] = []
        var nextId: Int64 = 1
        var hits = 0
        for round in 0..<6 {
            // Random articles, and neighbours of earlier query points at every distance 0-12,
            // planted on the whole-text or on the lead fingerprint.
            for _ in 0..<9_000 {
                let article: (UInt64, UInt64)
                if let point = points.randomElement(using: &rng), Int.random(in: 0..<4, using: &rng) == 0 {
                    let bits = Int.random(in: 0...12, using: &rng)
                    article = Bool.random(using: &rng) ? (flip(point.0, bits, &rng), rng.next()) : (rng.next(), flip(point.1, bits, &rng))
                } else {
                    article = (rng.next(), rng.next())
                }
                if round == 0 {
                    index.load(id: nextId, simhash: article.0, leadSimhash: article.1)  // the bulk path, then one rebuild
                } else {
                    index.insert(id: nextId, simhash: article.0, leadSimhash: article.1)
                }
                live[nextId] = article
                nextId += 1 + Int64(rng.next() % 3)  // ids with gaps, as after deletions
            }
            if round == 0 { index.rebuild() }
            for id in live.keys.shuffled(using: &rng).prefix(1_500) {
                index.remove(id: id)
                live[id] = nil
            }
            if round == 3 { index.rebuild() }
            points += (0..<50).map { _ in (rng.next(), rng.next()) }
            #expect(index.count == live.count)
            for point in points.suffix(60) {
                for k in [0, 3, 7, 11] {
                    let viaIndex = index.candidates(simhash: point.0, leadSimhash: point.1, maxDistance: k).map(\.id)
                    let viaScan = live.filter {
                        SimHash.distance($0.value.0, point.0) <= k || SimHash.distance($0.value.1, point.1) <= k
                    }.map { (id: $0.key, whole: SimHash.distance($0.value.0, point.0), lead: SimHash.distance($0.value.1, point.1)) }
                        .sorted { ($0.whole, $0.lead, $0.id) < ($1.whole, $1.lead, $1.id) }.map(\.id)
                    #expect(viaIndex == viaScan, "round \(round), K=\(k)")
                    hits += viaScan.count
                }
            }
        }
        #expect(hits > 1_000, "planted neighbours must be found: \(hits)")
        #expect(index.layout == (wideFrom == .max ? .narrow : .wide))
    }

    func flip(_ value: UInt64, _ bits: Int, _ rng: inout SeededGenerator) -> UInt64 {
        var chosen = Set<Int>()
        while chosen.count < bits { chosen.insert(Int(rng.next() % 64)) }
        return chosen.reduce(value) { $0 ^ (1 << UInt64($1)) }
    }
}
