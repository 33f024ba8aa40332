@testable import ArticleStore
import DedupCore
import Foundation
import GRDB
import TestSupport
import Testing

/// A store written by an older fingerprint algorithm is refused at open, and `reindex` brings
/// it to this build's fingerprints from the stored bytes.
@Suite struct ReindexTests {
    @Test func anOldStoreIsRefusedThenRefingerprintedAndMerged() throws {
        let dir = try TempDirectory()
        let path = dir.path("store.sqlite")
        let seeds = try Seeds.all()
        var store = try Store(path: path)
        _ = try store.ingest(try seeds.map { try item($0.name, $0.bytes) } + [try item("copy.txt", seeds[0].bytes)], maxDistance: 7)

        // What algorithm 1 stored: the markup of an HTML copy of seed 2 was part of its words,
        // so it was a new article with its own digest. Written as algorithm 1 would have.
        let html = Array(("<p>" + String(decoding: seeds[2].bytes, as: UTF8.self) + "</p>").utf8)
        try store.pool.write { db in
            let body = try ZlibCodec.compress(html)
            let seq = try Int64.fetchOne(db, sql: "SELECT value + 1 FROM counter WHERE name = 'last_seq'") ?? 0
            let article = try ItemRecord(
                id: nil, seq: seq, sha256: Data(repeating: 0xAB, count: 32), simhash: 0,
                leadSimhash: 0, indexed: true, source: "seed2.html", receivedAt: 1_795_000_000_001, encoding: "utf8",
                rawSize: Int64(html.count)
            ).insertAndFetch(db)
            try BodyRecord(itemId: try #require(article.id), dictionaryId: nil, bytes: Data(body)).insert(db)
            try db.execute(sql: "INSERT INTO claim(key, item_id) VALUES (?, ?)", arguments: [ClaimBlob.encode("html"), article.id])
            try Store.bump(.lastSeq, db)
            try Store.bump(.articles, db)
            try Store.bump(.rawBytes, by: Int64(html.count), db)
            try Store.bump(.storedBytes, by: Int64(body.count), db)
            // Every row with algorithm-1 values: no lead fingerprint, other SimHashes.
            try db.execute(sql: "UPDATE item SET simhash = 1, lead_simhash = 0")
            try db.execute(sql: "UPDATE meta SET value = '1' WHERE key = 'fingerprint_algorithm'")
        }
        // The row written as an older version would have has no anchors: check says what to do.
        #expect(try store.check().problems.map { $0.prefix(28) } == ["articles without anchors: 1;"])
        try store.close()

        #expect {
            _ = try Store(path: path)
        } throws: { error in
            let error = error as? StoreError
            return error?.isFatal == true && error?.description.contains("newsdedupd reindex") == true
        }

        var seen: [(Int, Int)] = []
        let report = try Store.reindex(path: path) { seen.append(($0, $1)) }
        #expect(report.articles == 6)
        #expect(report.merged == 1)
        #expect(report.previous["fingerprint_algorithm"] == "1")
        #expect(seen.last.map { $0.0 == 6 && $0.1 == 6 } == true)

        store = try Store(path: path)
        defer { try? store.close() }
        #expect(try store.check().isSound)
        let totals = try store.totals()
        #expect((totals.articles, totals.exactDuplicates) == (5, 2))
        // Every article now carries this build's fingerprints, so the index finds it again.
        for (index, seed) in seeds.enumerated() {
            let fingerprint = try Fingerprinter().fingerprint(of: String(decoding: seed.bytes, as: UTF8.self))
            let found = try store.similar(fingerprint, maxDistance: 0)
            #expect(found.first.map { $0.exact && $0.id == Int64(index + 1) && $0.distance == 0 && $0.leadDistance == 0 } == true,
                    "\(seed.name): \(found)")
        }
        // The HTML copy became an exact duplicate of seed 2, in the feed too.
        let duplicates = try #require(try store.duplicates(of: 3))
        #expect(duplicates.map(\.source) == ["seed2.html"])
        let feed = try store.feed(since: 0, limit: 100)
        #expect(feed.count == 7)
        #expect(feed.last.map { $0.kind == .duplicate && $0.duplicateOf == 3 && $0.duplicateKind == .exact } == true)

        // Running it again changes nothing.
        let again = try Store.reindex(path: path)
        #expect((again.articles, again.merged) == (5, 0))
    }
}
