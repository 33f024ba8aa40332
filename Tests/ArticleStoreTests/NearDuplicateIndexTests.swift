@testable import ArticleStore
import DedupCore
import Foundation
import GRDB
import TestSupport
import Testing

/// SQLite's lookups must return exactly what a scan of every row returns: whole text within K
/// through the band indexes, equal leads through the lead index.
@Suite struct NearDuplicateIndexTests {
    @Test func indexEqualsBruteForceOn100kFingerprintsWithPlantedNeighbours() throws {
        let dir = try TempDirectory()
        let store = try Store(path: dir.path("index.sqlite"))
        var rng = SeededGenerator(seed: 0x5EED)
        var stored: [Candidate] = []
        var queries: [(simhash: UInt64, lead: UInt64)] = []

        // 100,000 rows with random whole-text and lead fingerprints. For 300 query points,
        // neighbours planted at every distance 0-13 on the whole-text fingerprint (200 points),
        // so each threshold has hits right at and just past it, or on the lead only (100
        // points), of which only the equal lead counts.
        var rows: [(simhash: UInt64, lead: UInt64)] = (0..<(100_000 - 300 * 14)).map { _ in (rng.next(), rng.next()) }
        for point in 0..<300 {
            let query = (simhash: rng.next(), lead: rng.next())
            queries.append(query)
            for distance in 0...13 {
                rows.append(point < 200
                    ? (flip(query.simhash, bits: distance, &rng), rng.next())
                    : (rng.next(), flip(query.lead, bits: distance, &rng)))
            }
        }
        try store.pool.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT INTO article (sha256, simhash, band0, band1, band2, band3, lead_simhash,
                                     lead_band0, lead_band1, lead_band2, lead_band3, source, received_at,
                                     encoding, raw_size, stored_size, token_count, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 's', 0, 'utf8', 0, 0, 0, x'')
                """)
            for (index, row) in rows.enumerated() {
                let bands = BandKey.bands(of: row.simhash).map { Int64($0) }
                let lead = BandKey.bands(of: row.lead).map { Int64($0) }
                try insert.execute(arguments: StatementArguments([
                    withUnsafeBytes(of: index) { Data($0) }, Int64(bitPattern: row.simhash),
                    bands[0], bands[1], bands[2], bands[3], Int64(bitPattern: row.lead),
                ] as [(any DatabaseValueConvertible)?]) + StatementArguments(lead))
                stored.append(Candidate(id: db.lastInsertedRowID, simhash: row.simhash, leadSimhash: row.lead))
            }
        }
        #expect(stored.count == 100_000)
        // Retired rows (out of the dedup window) are found by neither index.
        let retired = Set(stored.suffix(100 * 14).filter { $0.id % 28 == 0 }.map(\.id))
        try store.pool.write { db in
            for id in retired { try db.execute(sql: "UPDATE article SET band0 = -1, band1 = -1, band2 = -1, band3 = -1 WHERE id = ?", arguments: [id]) }
        }
        #expect(retired.count > 20)
        queries += (0..<100).map { _ in (rng.next(), rng.next()) }

        for maxDistance in [0, 3, 7, 11] {
            var hits = 0
            for query in queries {
                let viaIndex = try store.pool.read { db in
                    try store.nearCandidates(
                        db, Fingerprint(simhash: query.simhash, leadSimhash: query.lead, sha256: [], tokenCount: 0), maxDistance: maxDistance)
                }
                func key(_ c: Candidate) -> (Int, Int64) { (SimHash.distance(c.simhash, query.simhash), c.id) }
                let viaScan = stored.filter {
                    (SimHash.distance($0.simhash, query.simhash) <= maxDistance || $0.leadSimhash == query.lead) && !retired.contains($0.id)
                }.sorted { key($0) < key($1) }
                #expect(viaIndex.map(\.id) == viaScan.map(\.id), "K=\(maxDistance) query \(SimHash.hex(query.simhash))")
                #expect(viaIndex.map(\.leadSimhash) == viaScan.map(\.leadSimhash))
                hits += viaScan.count
            }
            #expect(hits >= 200 * (maxDistance + 1) + 100 - retired.count, "every planted neighbour must be found")
        }
    }

    @Test func queryPlanUsesTheIndexes() throws {
        let dir = try TempDirectory()
        let store = try Store(path: dir.path("plan.sqlite"))
        let (sql, arguments) = NearDuplicateQuery.statement(simhash: 0xDEAD_BEEF_0123_4567, maxDistance: 7)
        let plan = try store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
                + Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT id FROM article INDEXED BY article_on_lead_simhash WHERE lead_simhash = 1 AND band0 >= 0")
                    .map { $0["detail"] as String }
        }
        for index in (0..<4).map({ "article_on_band\($0)" }) + ["article_on_lead_simhash"] {
            #expect(plan.contains { $0.contains("USING INDEX \(index) ") || $0.contains("USING COVERING INDEX \(index) ") }, "\(plan)")
        }
        #expect(!plan.contains { $0.hasPrefix("SCAN article") }, "\(plan)")
        // The lead's band indexes went with migration v4: no lookup uses them.
        let indexes = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
        #expect(!indexes.contains { $0.hasPrefix("article_on_lead_band") } && indexes.contains("article_on_lead_simhash"))
    }
}

private func flip(_ value: UInt64, bits: Int, _ rng: inout SeededGenerator) -> UInt64 {
    var chosen = Set<Int>()
    while chosen.count < bits { chosen.insert(Int(rng.next() % 64)) }
    return chosen.reduce(value) { $0 ^ (1 << UInt64($1)) }
}
