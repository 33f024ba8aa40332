@testable import ArticleStore
import DedupCore
import Foundation
import GRDB
import TestSupport
import Testing

/// The band index must return exactly what a scan of every row returns.
@Suite struct NearDuplicateIndexTests {
    @Test func indexEqualsBruteForceOn100kFingerprintsWithPlantedNeighbours() throws {
        let dir = try TempDirectory()
        let store = try Store(path: dir.path("index.sqlite"))
        var rng = SeededGenerator(seed: 0x5EED)
        var stored: [(id: Int64, simhash: UInt64)] = []
        var queries: [UInt64] = []

        // 100,000 rows: random fingerprints, plus for 300 query points neighbours planted at
        // every distance from 0 to 13, so each threshold has hits right at and just past it.
        var fingerprints: [UInt64] = (0..<(100_000 - 300 * 14)).map { _ in rng.next() }
        for _ in 0..<300 {
            let query = rng.next()
            queries.append(query)
            for distance in 0...13 { fingerprints.append(flip(query, bits: distance, &rng)) }
        }
        try store.pool.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT INTO article (sha256, simhash, band0, band1, band2, band3, source, received_at,
                                     encoding, raw_size, stored_size, token_count, body)
                VALUES (?, ?, ?, ?, ?, ?, 's', 0, 'utf8', 0, 0, 0, x'')
                """)
            for (index, fingerprint) in fingerprints.enumerated() {
                let bands = BandKey.bands(of: fingerprint).map { Int64($0) }
                try insert.execute(arguments: [
                    withUnsafeBytes(of: index) { Data($0) }, Int64(bitPattern: fingerprint),
                    bands[0], bands[1], bands[2], bands[3],
                ])
                stored.append((db.lastInsertedRowID, fingerprint))
            }
        }
        #expect(stored.count == 100_000)
        queries += (0..<100).map { _ in rng.next() }

        for maxDistance in [0, 3, 7, 11] {
            var hits = 0
            for query in queries {
                let viaIndex = try store.pool.read { db in
                    try NearDuplicateQuery.candidates(db, simhash: query, maxDistance: maxDistance)
                }
                let viaScan = stored.filter { SimHash.distance($0.simhash, query) <= maxDistance }
                    .sorted { (SimHash.distance($0.simhash, query), $0.id) < (SimHash.distance($1.simhash, query), $1.id) }
                #expect(viaIndex.map(\.id) == viaScan.map(\.id), "K=\(maxDistance) query \(SimHash.hex(query))")
                hits += viaScan.count
            }
            #expect(hits >= 300 * (maxDistance + 1), "every planted neighbour within K must be found")
        }
    }

    @Test func queryPlanUsesTheBandIndexes() throws {
        let dir = try TempDirectory()
        let store = try Store(path: dir.path("plan.sqlite"))
        let (sql, arguments) = NearDuplicateQuery.statement(simhash: 0xDEAD_BEEF_0123_4567, maxDistance: 7)
        let plan = try store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
        for band in 0..<4 {
            #expect(plan.contains { $0.contains("USING INDEX article_on_band\(band)") || $0.contains("USING COVERING INDEX article_on_band\(band)") }, "\(plan)")
        }
        #expect(!plan.contains { $0.hasPrefix("SCAN article") }, "\(plan)")
    }
}

private func flip(_ value: UInt64, bits: Int, _ rng: inout SeededGenerator) -> UInt64 {
    var chosen = Set<Int>()
    while chosen.count < bits { chosen.insert(Int(rng.next() % 64)) }
    return chosen.reduce(value) { $0 ^ (1 << UInt64($1)) }
}
