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
        var live: [Int64: UInt64] = [:]
        var liveAnchors: [Int64: [UInt32]] = [:]
        // Anchor keys drawn from a small pool, so rows share them (a key is shared by about
        // 9 rows; some by more than the list limit).
        let pool = (0..<24_000).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        var points: [UInt64] = []
        var nextId: Int64 = 1
        var hits = 0, anchorHits = 0, skipped = 0
        for round in 0..<6 {
            // Random articles, and neighbours of earlier query points at every distance 0-12.
            for _ in 0..<9_000 {
                var article = rng.next()
                if let point = points.randomElement(using: &rng), Int.random(in: 0..<4, using: &rng) == 0 {
                    article = flip(point, Int.random(in: 0...12, using: &rng), &rng)
                }
                // Up to four anchors, some fewer (a very short text), the common pool keys more often.
                let anchors = (0..<Int.random(in: 1...Anchors.count, using: &rng)).map { _ in
                    pool[Int(rng.next() % UInt64(Int.random(in: 0..<10, using: &rng) == 0 ? 40 : pool.count))]
                }
                if round == 0 {
                    index.load(id: nextId, simhash: article, anchors: anchors)  // the bulk path, then one rebuild
                } else {
                    index.insert(id: nextId, simhash: article, anchors: anchors)
                }
                live[nextId] = article
                liveAnchors[nextId] = anchors
                nextId += 1 + Int64(rng.next() % 3)  // ids with gaps, as after deletions
            }
            if round == 0 { index.rebuild() }
            for id in live.keys.shuffled(using: &rng).prefix(1_500) {
                index.remove(id: id)
                live[id] = nil
                liveAnchors[id] = nil
            }
            if round == 3 { index.rebuild() }
            points += (0..<50).map { _ in rng.next() }
            #expect(index.count == live.count)
            for point in points.suffix(60) {
                for k in [0, 3, 7, 11] {
                    let viaIndex = index.candidates(simhash: point, maxDistance: k)
                    let viaScan = live.filter { SimHash.distance($0.value, point) <= k }
                        .sorted { (SimHash.distance($0.value, point), $0.key) < (SimHash.distance($1.value, point), $1.key) }
                    #expect(viaIndex.map(\.id) == viaScan.map(\.key), "round \(round), K=\(k)")
                    #expect(viaIndex.map(\.simhash) == viaScan.map(\.value) && viaIndex.allSatisfy { $0.leadSimhash == nil })
                    hits += viaScan.count
                }
            }
            // Anchors: every live row holding one of the query's keys, keys held by more
            // than the limit skipped, oldest first.
            for _ in 0..<200 {
                let query = (0..<Anchors.count).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
                    + (rng.next() % 4 == 0 ? [pool[Int(rng.next() % 40)]] : [])
                var expected = Set<Int64>()
                for key in Set(query) {
                    let holders = liveAnchors.filter { $0.value.contains(key) }.map(\.key)
                    if holders.count <= NearDuplicateIndex.anchorListLimit { expected.formUnion(holders) } else { skipped += 1 }
                }
                let viaIndex = index.partCandidates(anchors: query)
                #expect(viaIndex.map(\.id) == expected.sorted(), "round \(round): anchors")
                #expect(viaIndex.allSatisfy { live[$0.id] == $0.simhash && $0.leadSimhash == nil })
                anchorHits += expected.count
            }
        }
        #expect(hits > 1_000, "planted neighbours must be found: \(hits)")
        #expect(anchorHits > 1_000 && skipped > 0, "rows sharing anchors must be found, common keys skipped: \(anchorHits), \(skipped)")
        #expect(index.layout == (wideFrom == .max ? .narrow : .wide))
    }

    @Test func idsThatSpanMoreThan32BitsAreKeptWhole() {
        var index = NearDuplicateIndex()
        let rows: [(id: Int64, simhash: UInt64)] = [(5, 0), (6, 0), (1 << 33, 0b111), ((1 << 33) + 2, ~0), (1 << 40, 0xFFFF)]
        for row in rows { index.insert(id: row.id, simhash: row.simhash, anchors: [UInt32(truncatingIfNeeded: row.id)]) }
        #expect(index.candidates(simhash: 0, maxDistance: 3).map(\.id) == [5, 6, 1 << 33])
        index.remove(id: 6)
        index.rebuild()
        #expect(index.candidates(simhash: 0, maxDistance: 3).map(\.id) == [5, 1 << 33])
        #expect(index.candidates(simhash: 0xFFFF, maxDistance: 0).map(\.id) == [1 << 40])
        #expect(index.lastId == 1 << 40 && index.count == 4)
        #expect(index.partCandidates(anchors: [2, 5]).map(\.id) == [5, (1 << 33) + 2])
    }

    func flip(_ value: UInt64, _ bits: Int, _ rng: inout SeededGenerator) -> UInt64 {
        var chosen = Set<Int>()
        while chosen.count < bits { chosen.insert(Int(rng.next() % 64)) }
        return chosen.reduce(value) { $0 ^ (1 << UInt64($1)) }
    }
}

/// The packed bucket lists return each bucket's rows in row order, in 3 and in 4 bytes a row.
@Suite struct BucketListTests {
    @Test(arguments: [3, 4])
    func everyBucketHoldsItsRowsInOrder(rowBytes: Int) {
        var rng = SeededGenerator(seed: 0xB0C)
        // Rows past 2¹⁶ and 2²³, so every byte of a row number matters.
        let rows = (0..<70_000).map { _ in UInt32(rng.next() % 300) }
        let list = BucketList(buckets: 300, rows: rows.count, rowBytes: rowBytes) { rows[$0] }
        var found: [UInt32] = []
        var ranges: [(start: Int, end: Int)] = []
        for bucket in [0, 7, 299, 150] as [UInt32] {
            found.removeAll()
            list.appendRows(of: [bucket], to: &found, ranges: &ranges)
            #expect(found == rows.indices.filter { rows[$0] == bucket }.map(UInt32.init), "bucket \(bucket)")
        }
        found.removeAll()
        list.appendRows(of: Array(0..<300), to: &found, ranges: &ranges)
        #expect(found.count == rows.count && Set(found).count == rows.count)
    }
}

/// The index's chunked columns behave as an array across chunk boundaries.
@Suite struct ChunkedArrayTests {
    @Test func appendsSetsAndDropsAcrossChunks() {
        var chunked = ChunkedArray<UInt32>()
        var plain: [UInt32] = []
        #expect(chunked.last == nil)
        for value in 0..<UInt32(200_000) {
            chunked.append(value &* 2_654_435_761)
            plain.append(value &* 2_654_435_761)
        }
        for index in [0, 65_535, 65_536, 131_071, 199_999] { chunked[index] = UInt32(index); plain[index] = UInt32(index) }
        for k in [0, 1, 3_463, 65_464, 65_536, 5_000] {  // to 131,072 and 65,536 exactly, then into a chunk
            chunked.removeLast(k)
            plain.removeLast(k)
            #expect(chunked.count == plain.count && chunked.last == plain.last)
        }
        chunked.append(7)
        plain.append(7)
        #expect((0..<plain.count).allSatisfy { chunked[$0] == plain[$0] })
        chunked.removeLast(chunked.count)
        #expect(chunked.count == 0 && chunked.last == nil)
        chunked.append(1)
        #expect(chunked[0] == 1 && chunked.count == 1)
    }
}
