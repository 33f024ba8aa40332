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
    /// The dedup window (like NiFi's age-off). Articles received before `cutoff` (ms since 1970)
    /// leave the near-duplicate index: their band keys become -1, a value no probe (0…65535)
    /// ever asks for, so the index keeps only the window. With `delete` they leave the store
    /// instead, with their duplicates and their feed records, and the counters follow.
    public func applyRetention(receivedBefore cutoff: Int64, delete: Bool) throws(StoreError) -> RetentionResult {
        var leaving: [Int64] = []
        do {
            let result = try pool.write { db in
                var result = RetentionResult()
                // The articles that leave the index, either way (retired ones already left).
                leaving = try Int64.fetchAll(db, sql: "SELECT id FROM article WHERE received_at < ? AND band0 >= 0",
                                             arguments: [cutoff])
                guard delete else {
                    try db.execute(sql: """
                        UPDATE article SET band0 = -1, band1 = -1, band2 = -1, band3 = -1,
                            lead_band0 = -1, lead_band1 = -1, lead_band2 = -1, lead_band3 = -1
                        WHERE received_at < ? AND band0 >= 0
                        """, arguments: [cutoff])
                    result.retired = db.changesCount
                    return result
                }
                let old = "SELECT id FROM article WHERE received_at < ?"
                let totals = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*), COALESCE(SUM(raw_size), 0), COALESCE(SUM(stored_size), 0)
                    FROM article WHERE received_at < ?
                    """, arguments: [cutoff])
                let byKind = try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) FROM duplicate WHERE article_id IN (\(old)) GROUP BY kind",
                                              arguments: [cutoff])
                // A duplicate's feed event carries the article it repeats, so one condition takes both kinds.
                try db.execute(sql: "DELETE FROM feed WHERE article_id IN (\(old))", arguments: [cutoff])
                let feedDeleted = db.changesCount
                try db.execute(sql: "DELETE FROM duplicate WHERE article_id IN (\(old))", arguments: [cutoff])
                result.deletedDuplicates = db.changesCount
                try db.execute(sql: "DELETE FROM article WHERE received_at < ?", arguments: [cutoff])
                result.deletedArticles = db.changesCount
                if let totals {
                    try Self.bump(.articles, by: -(totals[0] as Int64), db)
                    try Self.bump(.rawBytes, by: -(totals[1] as Int64), db)
                    try Self.bump(.storedBytes, by: -(totals[2] as Int64), db)
                }
                for row in byKind {
                    try Self.bump((row[0] as String) == "exact" ? .exactDuplicates : .nearDuplicates, by: -(row[1] as Int64), db)
                }
                try Self.bump(.feedDeleted, by: Int64(feedDeleted), db)
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
