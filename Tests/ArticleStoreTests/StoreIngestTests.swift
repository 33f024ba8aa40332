@testable import ArticleStore
import DedupCore
import Foundation
import GRDB
import TestSupport
import Testing

@Suite struct StoreIngestTests {
    let dir: TempDirectory
    let store: Store

    init() throws {
        dir = try TempDirectory()
        store = try Store(path: dir.path("store.sqlite"))
    }

    @Test func storesSeedsAndReturnsTheirBytesExactly() throws {
        let seeds = try Seeds.all()
        let outcomes = try store.ingest(try seeds.map { try item($0.name, $0.bytes) }, maxDistance: 7)
        #expect(outcomes.count == 5)
        for (seed, outcome) in zip(seeds, outcomes) {
            guard case .stored(let id, _) = outcome else {
                Issue.record("\(seed.name) was not stored: \(outcome)")
                continue
            }
            let article = try #require(try store.item(id: id))
            #expect(article.bytes == seed.bytes)
            #expect(article.source == seed.name)
            #expect(article.storedSize < article.rawSize)
        }
        let totals = try store.totals()
        #expect(totals.articles == 5)
        #expect(totals.rawBytes == Int64(seeds.map(\.bytes.count).reduce(0, +)))
        #expect(totals.storedBytes < totals.rawBytes / 2)
        #expect(totals.lastSeq == 5)
    }

    @Test func exactAndNearDuplicatesPointAtTheArticle() throws {
        let seed = try Seeds.all()[0]
        let text = String(decoding: seed.bytes, as: UTF8.self)
        let edited = String(decoding: try Seeds.editedFirst(), as: UTF8.self)
        let nfd = text.decomposedStringWithCanonicalMapping
        let outcomes = try store.ingest([
            try item("a.txt", seed.bytes), try item("copy.txt", seed.bytes),
            try item("nfd.txt", Array(nfd.utf8)), try item("edited.txt", Array(edited.utf8)),
        ], maxDistance: 7)
        guard case .stored(let id, _) = outcomes[0] else { Issue.record("not stored"); return }
        guard case .duplicate(_, id, .exact, 0, nil, nil, _) = outcomes[1] else { Issue.record("\(outcomes[1])"); return }
        guard case .duplicate(_, id, .exact, 0, nil, nil, _) = outcomes[2] else { Issue.record("\(outcomes[2])"); return }
        guard case .duplicate(_, id, .near, let distance, let containment?, .whole, _) = outcomes[3] else { Issue.record("\(outcomes[3])"); return }
        #expect(distance > 0 && distance <= 7)
        #expect(containment >= NearDuplicateThreshold.minimumContainment && containment < 1, "confirmed, though edited")
        let totals = try store.totals()
        #expect((totals.articles, totals.exactDuplicates, totals.nearDuplicates) == (1, 2, 1))
    }

    @Test func aClaimCommittedTwiceIsRecognised() throws {
        let seed = try Seeds.all()[1]
        let first = try store.ingest([try item(seed.name, seed.bytes, claim: "42-7-100")], maxDistance: 7)
        let again = try store.ingest([try item(seed.name, seed.bytes, claim: "42-7-100")], maxDistance: 7)
        guard case .stored(_, let seq) = first[0] else { Issue.record("\(first)"); return }
        #expect(again == [.alreadyIngested(seq: seq)])
        #expect(try store.totals().exactDuplicates == 0)
    }

    @Test func feedIsStrictlyIncreasingAndCarriesArticles() throws {
        let seeds = try Seeds.all()
        _ = try store.ingest(try seeds.map { try item($0.name, $0.bytes) }, maxDistance: 7)
        _ = try store.ingest([try item("again.txt", seeds[2].bytes)], maxDistance: 7)
        let feed = try store.feed(since: 0, limit: 100)
        #expect(feed.map(\.seq) == [1, 2, 3, 4, 5, 6])
        #expect(feed[0].bytes == seeds[0].bytes)
        #expect(feed[5].kind == .duplicate && feed[5].duplicateOf == feed[2].id && feed[5].bytes == nil)
        #expect(try store.feed(since: 4, limit: 1).map(\.seq) == [5])
    }

    @Test func storeIsWALWithFullSync() throws {
        let (mode, sync) = try store.pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(sync == 2)
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test func reopeningDemandsTheSameStoreAndWritesNothingOtherwise() throws {
        let identity = store.identity
        try store.close()
        let again = try Store(path: dir.path("store.sqlite"), expecting: identity)
        #expect(again.identity == identity)
        try again.close()

        #expect(throws: StoreError.self) { try Store(path: dir.path("missing.sqlite"), expecting: identity) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("missing.sqlite")), "no store is created")

        let other = try Store(path: dir.path("other.sqlite"))
        try other.close()
        #expect(throws: StoreError.self) { try Store(path: dir.path("other.sqlite"), expecting: identity) }

        // An empty file where the store was (a file system that lost it): refused, left empty.
        #expect(FileManager.default.createFile(atPath: dir.path("empty.sqlite"), contents: nil))
        #expect(throws: StoreError.self) { try Store(path: dir.path("empty.sqlite"), expecting: identity) }
        #expect(try FileManager.default.attributesOfItem(atPath: dir.path("empty.sqlite"))[.size] as? Int == 0)
    }

    @Test func aStoreWithOtherFingerprintParametersIsRefused() throws {
        try store.pool.write { db in try db.execute(sql: "UPDATE meta SET value = '3' WHERE key = 'shingle_size'") }
        try store.close()
        #expect {
            _ = try Store(path: dir.path("store.sqlite"))
        } throws: { error in
            (error as? StoreError)?.isFatal == true
        }
    }
}
