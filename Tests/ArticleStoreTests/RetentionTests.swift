@testable import ArticleStore
import DedupCore
import Foundation
import GRDB
import TestSupport
import Testing

@Suite struct RetentionTests {
    let dir: TempDirectory
    let store: Store
    let day: Int64 = 86_400_000

    init() throws {
        dir = try TempDirectory()
        store = try Store(path: dir.path("store.sqlite"))
    }

    /// Seeds 0-2 received 10 days ago, seeds 3-4 now; a copy of seed 0 as an exact duplicate.
    func populate(now: Int64) throws {
        let seeds = try Seeds.all()
        var items = try seeds.map { try item($0.name, $0.bytes) }
        for index in items.indices { items[index].receivedAt = index < 3 ? now - 10 * day : now }
        var copy = try item("copy.txt", seeds[0].bytes)
        copy.receivedAt = now - 10 * day
        _ = try store.ingest(items + [copy], maxDistance: 7)
    }

    @Test func oldArticlesLeaveTheNearIndexButStillCatchExactCopies() async throws {
        let now: Int64 = 1_795_000_000_000
        try populate(now: now)
        try await store.warmIndex()
        let result = try store.applyRetention(receivedBefore: now - day, delete: false)
        #expect(result.retired == 3)
        #expect(store.memoryIndex.withLock { $0?.count } == 2, "the index follows, without a reload")
        #expect(try store.applyRetention(receivedBefore: now - day, delete: false).retired == 0, "idempotent")

        let edited = try item("edited.txt", Array(try Seeds.editedFirst()))
        let exact = try item("again.txt", try Seeds.all()[0].bytes)
        let outcomes = try store.ingest([edited, exact], maxDistance: 7)
        guard case .stored = outcomes[0] else { Issue.record("a near copy of a retired article is new: \(outcomes[0])"); return }
        guard case .duplicate(_, 1, .exact, 0, _, _, _) = outcomes[1] else { Issue.record("exact copies still caught: \(outcomes[1])"); return }
        #expect(try store.check().isSound)
    }

    @Test func deletingRemovesArticlesDuplicatesAndFeedAndCheckStaysSound() async throws {
        let now: Int64 = 1_795_000_000_000
        try populate(now: now)
        let before = try store.totals()
        try await store.warmIndex()
        let result = try store.applyRetention(receivedBefore: now - day, delete: true)
        #expect(result.deletedArticles == 3)
        #expect(store.memoryIndex.withLock { $0?.count } == 2, "the index follows, without a reload")
        #expect(result.deletedDuplicates == 1)
        let after = try store.totals()
        #expect(after.articles == 2)
        #expect(after.exactDuplicates == 0)
        #expect(after.rawBytes < before.rawBytes)
        #expect(try store.feed(since: 0, limit: 100).map(\.seq) == [4, 5])
        let report = try store.check()
        #expect(report.isSound, "\(report.problems)")

        // Lost feed records (not retention's) are still caught.
        try await store.pool.write { db in try db.execute(sql: "UPDATE item SET seq = NULL WHERE seq = 5") }
        #expect(!(try store.check().isSound))
    }
}
