import Glibc
import Foundation
import GRDB

/// What `check` found.
public struct ConsistencyReport: Sendable, Equatable {
    public var integrity: [String]
    public var problems: [String]
    public var articles: Int64
    public var duplicates: Int64
    public var feedRecords: Int64

    public var isSound: Bool { integrity == ["ok"] && problems.isEmpty }
}

// MARK: - Maintenance

extension Store {
    /// `PRAGMA integrity_check`, then the tables against each other: every duplicate and feed
    /// event points at a row that exists, the feed has no gaps, the counters match the rows.
    /// Runs in one read transaction, so it sees one consistent state while ingest goes on.
    public func check() throws(StoreError) -> ConsistencyReport {
        do {
            return try pool.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                var problems: [String] = []
                func count(_ sql: String) throws -> Int64 { try Int64.fetchOne(db, sql: sql) ?? 0 }
                let articles = try count("SELECT COUNT(*) FROM article")
                let duplicates = try count("SELECT COUNT(*) FROM duplicate")
                let feed = try count("SELECT COUNT(*) FROM feed")
                let dangling = try count("SELECT COUNT(*) FROM duplicate WHERE article_id NOT IN (SELECT id FROM article)")
                if dangling > 0 { problems.append("\(dangling) duplicates point to no article") }
                let orphanEvents = try count("""
                    SELECT COUNT(*) FROM feed WHERE (kind = 'article' AND article_id NOT IN (SELECT id FROM article))
                       OR (kind = 'duplicate' AND duplicate_id NOT IN (SELECT id FROM duplicate))
                    """)
                if orphanEvents > 0 { problems.append("\(orphanEvents) feed records point to no row") }
                // Every seq ever handed out (AUTOINCREMENT keeps the highest in sqlite_sequence) is
                // either still in the feed or was removed by retention; anything else was lost.
                let assigned = try count("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'feed'), 0)")
                let retained = try count("SELECT value FROM counter WHERE name = 'feed_deleted'")
                if assigned != feed + retained {
                    problems.append("the feed has \(assigned - feed - retained) gaps (\(feed) records of \(assigned) "
                        + "sequence numbers handed out, \(retained) removed by retention)")
                }
                let withoutAnchors = try count("SELECT COUNT(*) FROM article WHERE id NOT IN (SELECT article_id FROM article_anchor)")
                if withoutAnchors > 0 {
                    problems.append("articles without anchors: \(withoutAnchors); copies of them with a new top or chrome "
                        + "go unfound; stop the daemon and run `newsdedupd --reindex`")
                }
                if feed != articles + duplicates {
                    problems.append("\(feed) feed records for \(articles) articles and \(duplicates) duplicates")
                }
                let counters = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, value FROM counter").map {
                    ($0["name"] as String, $0["value"] as Int64)
                })
                let expected: [(Counter, Int64)] = [
                    (.articles, articles),
                    (.exactDuplicates, try count("SELECT COUNT(*) FROM duplicate WHERE kind = 'exact'")),
                    (.nearDuplicates, try count("SELECT COUNT(*) FROM duplicate WHERE kind = 'near'")),
                    (.rawBytes, try count("SELECT COALESCE(SUM(raw_size), 0) FROM article")),
                    (.storedBytes, try count("SELECT COALESCE(SUM(stored_size), 0) FROM article")),
                ]
                for (counter, value) in expected where counters[counter.rawValue] != value {
                    problems.append("counter \(counter.rawValue) is \(counters[counter.rawValue] ?? 0), the rows say \(value)")
                }
                return ConsistencyReport(integrity: integrity, problems: problems, articles: articles,
                                         duplicates: duplicates, feedRecords: feed)
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// An online, consistent copy of the store at `path` (SQLite's backup API) while ingest goes
    /// on. Refuses to overwrite anything. Returns the copy's size in bytes.
    public func backup(to path: String) throws(StoreError) -> Int64 {
        // Created here, exclusively and without following a symlink (a dangling one included):
        // a backup never writes anywhere but a new file at exactly `path`.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw StoreError(message: "\(path) exists; a backup never overwrites", kind: .exists) }
            throw StoreError(message: "cannot create \(path): \(String(cString: strerror(code)))", kind: .destination)
        }
        Glibc.close(fd)
        do {
            let destination = try DatabaseQueue(path: path)
            try pool.backup(to: destination)
            try destination.close()
            var info = stat()
            return stat(path, &info) == 0 ? Int64(info.st_size) : 0
        } catch {
            // No partial copy that could pass for a backup.
            unlink(path)
            unlink(path + "-journal")
            throw StoreError.wrap(error)
        }
    }
}
