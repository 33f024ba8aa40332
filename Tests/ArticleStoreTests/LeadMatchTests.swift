@testable import ArticleStore
import DedupCore
import Foundation
import TestSupport
import Testing

/// Copies cut short are caught through the lead fingerprint, confirmed by containment computed
/// from the stored bytes; a shared opening block alone is not enough.
@Suite struct LeadMatchTests {
    let dir: TempDirectory
    let store: Store

    init() throws {
        dir = try TempDirectory()
        store = try Store(path: dir.path("store.sqlite"))
    }

    @Test func aCopyWithoutItsLastParagraphsIsANearDuplicateConfirmedByContainment() throws {
        let seed = try Seeds.text(Seeds.names[1])
        let paragraphs = seed.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let cut = paragraphs.prefix(paragraphs.count * 6 / 10).joined(separator: "\n")
        let original = try item("original.txt", Array(seed.utf8))
        let copy = try item("cut.txt", Array(cut.utf8))
        #expect(SimHash.distance(original.fingerprint.simhash, copy.fingerprint.simhash) > 7, "the whole texts must be far apart")

        let outcomes = try store.ingest([original, copy], maxDistance: 7)
        guard case .stored(let id, _) = outcomes[0] else { Issue.record("\(outcomes[0])"); return }
        guard case .duplicate(let duplicateId, id, .near, let distance, let containment?, let path, _) = outcomes[1] else {
            Issue.record("the cut copy: \(outcomes[1])"); return
        }
        #expect(path == .lead && original.fingerprint.leadSimhash == copy.fingerprint.leadSimhash)
        #expect(distance == SimHash.distance(original.fingerprint.simhash, copy.fingerprint.simhash), "the whole-text distance")
        #expect(containment >= 0.95)
        // The score is kept and explained wherever the duplicate is shown.
        let recorded = try #require(try store.duplicates(of: id)?.first)
        #expect(recorded.id == duplicateId && recorded.containment == containment && recorded.path == .lead)
        let feed = try store.feed(since: 0, limit: 10)
        #expect(feed.last?.containment == containment && feed.last?.path == .lead)
        #expect(try store.check().isSound)
    }

    @Test func anArticleWithoutAnchorsIsReportedByCheck() throws {
        _ = try store.ingest([try item("seed.txt", try Seeds.all()[2].bytes)], maxDistance: 7)
        #expect(try store.check().isSound)
        try store.pool.write { db in try db.execute(sql: "DELETE FROM anchor") }
        let report = try store.check()
        #expect(!report.isSound && report.problems.contains { $0.hasPrefix("articles without anchors: 1;") }, "\(report.problems)")
    }

    @Test func aSharedOpeningBlockAloneIsNotADuplicate() throws {
        // Another story that opens with the first 150 words of the stored one: same lead, little else.
        let stored = try Seeds.text(Seeds.names[0])
        let opening = stored.split(separator: " ").prefix(150).joined(separator: " ")
        let other = opening + "\n\n" + (try Seeds.text(Seeds.names[1]))
        let first = try item("first.txt", Array(stored.utf8))
        let second = try item("other.txt", Array(other.utf8))
        #expect(first.fingerprint.leadSimhash == second.fingerprint.leadSimhash)

        let outcomes = try store.ingest([first, second], maxDistance: 7)
        guard case .stored = outcomes[1] else { Issue.record("shared opening taken for a copy: \(outcomes[1])"); return }
        let similar = try store.similar(second.fingerprint, maxDistance: 7)
        let listed = try #require(similar.first { $0.id == 1 }, "similar still lists it, as a lead candidate")
        #expect(listed.leadDistance == 0 && listed.distance > 7 && listed.path == .lead)
    }
}

/// The in-memory index follows commits only: a batch that rolls back leaves no trace in it.
@Suite struct MemoryIndexStoreTests {
    @Test func aRolledBackBatchLeavesNoArticleInTheIndex() throws {
        let dir = try TempDirectory()
        let store = try Store(path: dir.path("store.sqlite"))
        let seeds = try Seeds.all()
        _ = try store.ingest([try item("first.txt", seeds[3].bytes)], maxDistance: 7)
        try store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER boom BEFORE INSERT ON claim WHEN NEW.key = CAST('boom' AS BLOB)
                BEGIN SELECT RAISE(ABORT, 'boom'); END
                """)
        }
        // Seed 000 is stored and then the batch fails on its second file: nothing is committed.
        #expect(throws: StoreError.self) {
            try store.ingest([try item("a.txt", seeds[0].bytes), try item("b.txt", seeds[1].bytes, claim: "boom")], maxDistance: 7)
        }
        // Its edited copy must not be taken for a duplicate of the article that was rolled back.
        let outcomes = try store.ingest([try item("edited.txt", Array(try Seeds.editedFirst()))], maxDistance: 7)
        guard case .stored = outcomes[0] else { Issue.record("matched a rolled-back article: \(outcomes[0])"); return }
        // And what is committed is found through the index, in the same batch and the next.
        let again = try store.ingest([try item("copy.txt", Array(try Seeds.editedFirst()) + Array(" ".utf8))], maxDistance: 7)
        guard case .duplicate = again[0] else { Issue.record("\(again[0])"); return }
        #expect(store.memoryIndex.withLock { $0?.count } == 2)
        #expect(try store.check().isSound)
    }
}
