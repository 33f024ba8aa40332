@testable import ArticleStore
import DedupCore
import Foundation
import GRDB
import TestSupport
import Testing

/// The store's near lookups must return exactly what a brute-force pass over every row returns:
/// whole text within K through the in-memory index (or the fallback scan before it is loaded),
/// equal leads through SQLite's partial lead index, retired articles through neither.
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
                INSERT INTO item (sha256, simhash, lead_simhash, indexed, source, received_at, raw_size)
                VALUES (?, ?, ?, 1, 's', 0, 0)
                """)
            for (index, row) in rows.enumerated() {
                try insert.execute(arguments: [
                    withUnsafeBytes(of: index) { Data($0) }, Int64(bitPattern: row.simhash), Int64(bitPattern: row.lead),
                ])
                stored.append(Candidate(id: db.lastInsertedRowID, simhash: row.simhash, leadSimhash: row.lead))
            }
        }
        #expect(stored.count == 100_000)
        // Retired rows (out of the dedup window) are found by neither index.
        let retired = Set(stored.suffix(100 * 14).filter { $0.id % 28 == 0 }.map(\.id))
        try store.pool.write { db in
            for id in retired { try db.execute(sql: "UPDATE item SET indexed = 0 WHERE id = ?", arguments: [id]) }
        }
        #expect(retired.count > 20)
        queries += (0..<100).map { _ in (rng.next(), rng.next()) }

        // The fallback before the index is loaded (a scan), on a few queries; then the index.
        for (loaded, checked) in [(false, queries.prefix(12)), (true, queries[...])] {
          if loaded { try store.pool.write { db in try store.loadIndexIfNeeded(db) } }
          for maxDistance in [0, 3, 7, 11] {
            var hits = 0
            for query in checked {
                let viaIndex = try store.pool.read { db in
                    try store.nearCandidates(
                        db, Fingerprint(simhash: query.simhash, leadSimhash: query.lead, sha256: [], tokenCount: 0), maxDistance: maxDistance)
                }
                func key(_ c: Candidate) -> (Int, Int64) { (SimHash.distance(c.simhash, query.simhash), c.id) }
                let viaScan = stored.filter {
                    (SimHash.distance($0.simhash, query.simhash) <= maxDistance || $0.leadSimhash == query.lead) && !retired.contains($0.id)
                }.sorted { key($0) < key($1) }
                #expect(viaIndex.map(\.id) == viaScan.map(\.id), "K=\(maxDistance) query \(SimHash.hex(query.simhash))")
                if !loaded { #expect(viaIndex.map(\.leadSimhash) == viaScan.map(\.leadSimhash)) }
                hits += viaScan.count
            }
            if loaded { #expect(hits >= 200 * (maxDistance + 1) + 100 - retired.count, "every planted neighbour must be found") }
          }
        }
    }

    @Test func queryPlanUsesTheIndexes() throws {
        let dir = try TempDirectory()
        let store = try Store(path: dir.path("plan.sqlite"))
        let plan = try store.pool.read { db in
            try [
                "SELECT id FROM item WHERE substr(sha256, 1, 8) = x'0102030405060708' AND original_id IS NULL AND sha256 = x'01'",
                "SELECT id, simhash, lead_simhash FROM item INDEXED BY item_on_lead WHERE lead_simhash = 1 AND indexed = 1",
                "SELECT seq FROM item WHERE id = (SELECT item_id FROM claim WHERE key = x'01')",
                "SELECT id FROM item WHERE original_id = 1",
            ].flatMap { sql in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String } }
        }
        for index in ["item_on_sha_prefix", "item_on_lead", "item_on_original"] {
            #expect(plan.contains { $0.contains("USING INDEX \(index) ") || $0.contains("USING COVERING INDEX \(index) ") }, "\(plan)")
        }
        #expect(!plan.contains { $0.hasPrefix("SCAN item") }, "\(plan)")
        // Schema 7 dropped the band indexes: the in-memory index answers whole-text lookups.
        let indexes = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
        #expect(!indexes.contains { $0.contains("band") })
    }
}

private func flip(_ value: UInt64, bits: Int, _ rng: inout SeededGenerator) -> UInt64 {
    var chosen = Set<Int>()
    while chosen.count < bits { chosen.insert(Int(rng.next() % 64)) }
    return chosen.reduce(value) { $0 ^ (1 << UInt64($1)) }
}
