import Foundation
import GRDB

/// What one retention pass did.
public struct RetentionResult: Sendable, Equatable {
    /// Articles that left the near-duplicate index (they still catch exact copies).
    public var retired = 0
    /// Articles deleted, with their duplicates and feed records (`delete` only).
    public var deletedArticles = 0
    public var deletedDuplicates = 0

    public init() {}
}

// MARK: - Retention

extension Store {
    /// Whether an item's bytes are kept (a body, or a base it equals): what `raw_bytes` counts.
    /// Duplicates received before schema 7 kept none.
    static let keptBytes = "(original_id IS NULL OR base_id IS NOT NULL OR id IN (SELECT item_id FROM body))"

    /// The dedup window (like NiFi's age-off). Articles received before `cutoff` (ms since 1970)
    /// leave the near-duplicate index (`indexed` = 0), so it keeps only the window; they still
    /// catch exact copies. With `delete` they leave the store instead, with their duplicates
    /// (and so their feed records), and the counters follow.
    public func applyRetention(receivedBefore cutoff: Int64, delete: Bool) throws(StoreError) -> RetentionResult {
        var leaving: [Int64] = []
        do {
            let result = try pool.write { db in
                var result = RetentionResult()
                // The articles that leave the index, either way (retired ones already left).
                leaving = try Int64.fetchAll(db, sql: "SELECT id FROM item WHERE indexed = 1 AND received_at < ? AND original_id IS NULL",
                                             arguments: [cutoff])
                guard delete else {
                    try db.execute(sql: "UPDATE item SET indexed = 0 WHERE indexed = 1 AND received_at < ? AND original_id IS NULL",
                                   arguments: [cutoff])
                    result.retired = db.changesCount
                    return result
                }
                let old = "SELECT id FROM item WHERE original_id IS NULL AND received_at < ?"
                let leavingItems = "id IN (\(old)) OR original_id IN (\(old))"
                let totals = try Row.fetchOne(db, sql: """
                    SELECT COALESCE(SUM(original_id IS NULL), 0), COALESCE(SUM(kind = 'exact'), 0), COALESCE(SUM(kind = 'near'), 0),
                           COALESCE(SUM(CASE WHEN \(Self.keptBytes) THEN raw_size END), 0), COUNT(seq),
                           (SELECT COALESCE(SUM(length(bytes)), 0) FROM body WHERE item_id IN (SELECT id FROM item WHERE \(leavingItems)))
                    FROM item WHERE \(leavingItems)
                    """, arguments: [cutoff, cutoff, cutoff, cutoff]) ?? Row()
                try db.execute(sql: "DELETE FROM item WHERE \(leavingItems)", arguments: [cutoff, cutoff])
                result.deletedArticles = Int(totals[0] as Int64? ?? 0)
                result.deletedDuplicates = Int((totals[1] as Int64? ?? 0) + (totals[2] as Int64? ?? 0))
                let changes: [(Counter, Int64)] = [
                    (.articles, -(totals[0] as Int64? ?? 0)), (.exactDuplicates, -(totals[1] as Int64? ?? 0)),
                    (.nearDuplicates, -(totals[2] as Int64? ?? 0)), (.rawBytes, -(totals[3] as Int64? ?? 0)),
                    (.feedDeleted, totals[4] as Int64? ?? 0), (.storedBytes, -(totals[5] as Int64? ?? 0)),
                ]
                for (counter, amount) in changes where amount != 0 { try Self.bump(counter, by: amount, db) }
                return result
            }
            // Committed: the in-memory index follows, row by row (a reload at 10 M articles
            // would stall the next commit for seconds). Removed rows are dropped at its next
            // rebuild.
            memoryIndex.withLock { index in
                for id in leaving { index?.remove(id: id) }
            }
            rebuildIndexIfDue()
            return result
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
