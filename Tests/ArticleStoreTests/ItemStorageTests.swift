@testable import ArticleStore
import DedupCore
import Foundation
import GRDB
import TestSupport
import Testing

/// Every received item is kept, byte for byte, under one id: articles alone, duplicates as a
/// delta against their original or as nothing at all when their bytes are the original's.
@Suite struct ItemStorageTests {
    @Test func everyItemComesBackByteForByteAndADeltaIsSmall() throws {
        let dir = try TempDirectory()
        let store = try Store(path: dir.path("store.sqlite"))
        defer { try? store.close() }
        let seeds = try Seeds.all()
        let edited = Array(try Seeds.editedFirst())
        let utf16: [UInt8] = [0xFF, 0xFE] + String(decoding: seeds[1].bytes, as: UTF8.self).utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let received: [(String, [UInt8])] = seeds.map { ($0.name, $0.bytes) } + [
            ("same.txt", seeds[0].bytes),       // identical bytes: nothing stored
            ("edited.txt", edited),             // a light edit: a delta
            ("utf16.txt", utf16),               // the same text in other bytes
        ]
        // In two batches: the first copy's original is read back from the store, the others
        // are in the same batch as theirs.
        let outcomes = try store.ingest(try received.prefix(6).map { try item($0.0, $0.1) }, maxDistance: 7)
            + store.ingest(try received.suffix(2).map { try item($0.0, $0.1) }, maxDistance: 7)
        var ids: [Int64] = []
        for outcome in outcomes {
            switch outcome {
            case .stored(let id, _): ids.append(id)
            case .duplicate(let id, _, _, _, _, _, _): ids.append(id)
            case .alreadyIngested: Issue.record("\(outcome)")
            }
        }
        // One id space: eight items, eight distinct ids, in order, and the feed agrees.
        #expect(ids == Array(1...8))
        #expect(try store.feed(since: 0, limit: 100).map(\.id) == ids)
        for (id, (name, bytes)) in zip(ids, received) {
            let stored = try #require(try store.item(id: id))
            #expect(stored.bytes == bytes, "\(name)")
            #expect(stored.source == name)
        }
        let same = try #require(try store.item(id: 6)), delta = try #require(try store.item(id: 7))
        #expect(same.duplicateOf == 1 && same.duplicateKind == .exact && same.storedSize == 0)
        #expect(delta.duplicateOf == 1 && delta.duplicateKind == .near)
        #expect(Double(delta.storedSize) <= 0.05 * Double(delta.rawSize), "delta \(delta.storedSize) of \(delta.rawSize)")
        let other = try #require(try store.item(id: 8))
        #expect(other.duplicateOf == 2 && other.duplicateKind == .exact && other.encoding == "utf16le")
        // `duplicates` of an article lists them by their ids; of a duplicate, there is no such article.
        #expect(try store.duplicates(of: 1)?.map(\.id) == [6, 7])
        #expect(try store.duplicates(of: 6) == nil)
        let totals = try store.totals()
        #expect(totals.rawBytes == Int64(received.map(\.1.count).reduce(0, +)))
        let report = try store.check()
        #expect(report.isSound, "\(report.problems)")
        #expect((report.articles, report.duplicates, report.feedRecords) == (5, 3, 8))
    }

    /// A store of schema 6 (separate article, duplicate and feed tables, two id spaces) moves to
    /// schema 7 without renumbering what consumers saw: articles keep their ids, seqs stay,
    /// duplicates are numbered after the articles, claims still recognise a recovered file.
    @Test func aSchema6StoreMigratesKeepingArticleIdsAndSeqs() throws {
        let dir = try TempDirectory()
        let path = dir.path("old.sqlite")
        let seeds = try Seeds.all()
        let claim = "2:" + String(repeating: "ab", count: 16)
        let dictionary = Array(seeds.map(\.bytes).joined())
        do {
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(queue, upTo: "v6-preset-dictionaries")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO dictionary(id, script, trained_at, samples, bytes) VALUES (1, 'Deva', 0, 5, ?)",
                               arguments: [Data(dictionary)])
                for (index, seed) in seeds.prefix(2).enumerated() {
                    let id = index + 1
                    let body = try PrimedDeflater(PresetDictionary(id: 1, script: .devanagari, bytes: dictionary)).compress(seed.bytes)
                    try db.execute(sql: """
                        INSERT INTO article(id, sha256, simhash, band0, band1, band2, band3, source, received_at, encoding, raw_size,
                                            stored_size, token_count, body, lead_simhash, dictionary_id)
                        VALUES (?, ?, ?, 0, 0, 0, 0, ?, 0, 'utf8', ?, ?, 1, ?, 0, 1)
                        """, arguments: [id, Data(repeating: UInt8(id), count: 32), id, seed.name, seed.bytes.count, body.count, Data(body)])
                    try db.execute(sql: "INSERT INTO article_anchor(article_id, anchors) VALUES (?, x'01000000')", arguments: [id])
                }
                try db.execute(sql: """
                    INSERT INTO duplicate(id, article_id, kind, distance, sha256, simhash, source, received_at, raw_size)
                    VALUES (1, 2, 'exact', 0, ?, 2, 'copy.txt', 0, 10)
                    """, arguments: [Data(repeating: 2, count: 32)])
                try db.execute(sql: """
                    INSERT INTO feed(seq, kind, article_id, duplicate_id, claim_key) VALUES
                        (1, 'article', 1, NULL, '1:2:3:4'), (2, 'article', 2, NULL, ?), (3, 'duplicate', 2, 1, 'k3')
                    """, arguments: [claim])
                let raw = seeds.prefix(2).map(\.bytes.count).reduce(0, +)
                let stored = try Int.fetchOne(db, sql: "SELECT SUM(stored_size) FROM article") ?? 0
                try db.execute(sql: """
                    UPDATE counter SET value = CASE name WHEN 'articles' THEN 2 WHEN 'exact_duplicates' THEN 1
                        WHEN 'raw_bytes' THEN ? WHEN 'stored_bytes' THEN ? ELSE value END
                    """, arguments: [raw, stored])
            }
            try queue.close()
        }
        let store = try Store(path: path, expecting: nil, checkingParameters: false)
        defer { try? store.close() }
        let feed = try store.feed(since: 0, limit: 10)
        #expect(feed.map(\.seq) == [1, 2, 3])
        #expect(feed.map(\.id) == [1, 2, 3])
        #expect(feed.last.map { $0.kind == .duplicate && $0.duplicateOf == 2 && $0.source == "copy.txt" } == true)
        for (index, seed) in seeds.prefix(2).enumerated() {
            #expect(try store.item(id: Int64(index + 1))?.bytes == seed.bytes, "article \(index + 1) through its dictionary")
        }
        #expect(try store.item(id: 3).map { $0.bytes == nil && $0.encoding == nil } == true, "an old duplicate kept no bytes")
        #expect(try store.duplicates(of: 2)?.map(\.id) == [3])
        #expect(store.currentDictionaries()[.devanagari]?.bytes == dictionary)
        let report = try store.check()
        #expect(report.isSound, "\(report.problems)")
        // A file recovered after the upgrade is recognised by the claim an older version wrote.
        var again = try item(seeds[1].name, seeds[1].bytes, claim: claim)
        again.receivedAt = 1
        #expect(try store.ingest([again], maxDistance: 7) == [.alreadyIngested(seq: 2)])
        // The old duplicate's file, recovered, is the only copy of its bytes: the daemon keeps it.
        #expect(try store.ingest([try item("copy.txt", seeds[1].bytes, claim: "k3")], maxDistance: 7)
                == [.alreadyIngested(seq: 3, bytesKept: false)])
        // New items continue both numberings.
        let next = try store.ingest([try item("new.txt", seeds[3].bytes)], maxDistance: 7)
        #expect(next == [.stored(articleId: 4, seq: 4)])
        let schema = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        #expect(!schema.contains("article") && !schema.contains("feed") && !schema.contains("duplicate"))
    }
}

/// A claim is kept only while its batch may be in processing/: released, it is gone, and a file
/// with that key is then new to the store (it cannot come back from processing/ any more).
@Suite struct ClaimReleaseTests {
    @Test func aReleasedClaimIsForgottenInTheNextCommit() throws {
        let dir = try TempDirectory()
        let store = try Store(path: dir.path("store.sqlite"))
        defer { try? store.close() }
        let seeds = try Seeds.all()
        _ = try store.ingest([try item("a.txt", seeds[0].bytes, claim: "c1"), try item("b.txt", seeds[1].bytes, claim: "c2")],
                             maxDistance: 7)
        func claims() throws -> Int { try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM claim") ?? 0 } }
        #expect(try claims() == 2)
        #expect(try store.ingest([try item("a.txt", seeds[0].bytes, claim: "c1")], maxDistance: 7) == [.alreadyIngested(seq: 1)])
        // The batch left processing/: the next commit forgets its claims, and commits its own.
        let next = try store.ingest([try item("c.txt", seeds[2].bytes, claim: "c3")], maxDistance: 7, releasing: ["c1", "c2"])
        #expect(next == [.stored(articleId: 3, seq: 3)])
        #expect(try claims() == 1)
        let again = try store.ingest([try item("a.txt", seeds[0].bytes, claim: "c1")], maxDistance: 7)
        guard case .duplicate(_, 1, .exact, _, _, _, _) = again[0] else { Issue.record("\(again)"); return }
        #expect(try store.check().isSound)
    }
}

@Suite struct StoreFileTests {
    /// A new store is written in 8 KB pages (see `Store.pageSize`); an existing one keeps its own.
    @Test func aNewStoreHas8KBPagesAndAnOldOneKeepsItsOwn() throws {
        let dir = try TempDirectory()
        let fresh = try Store(path: dir.path("new.sqlite"))
        #expect(try fresh.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == Store.pageSize)
        try fresh.close()
        let path = dir.path("old.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        try queue.close()
        let old = try Store(path: path)
        defer { try? old.close() }
        #expect(try old.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == 4096)
        #expect(try old.check().isSound)
    }
}
