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

    public init(integrity: [String], problems: [String], articles: Int64, duplicates: Int64, feedRecords: Int64) {
        self.integrity = integrity
        self.problems = problems
        self.articles = articles
        self.duplicates = duplicates
        self.feedRecords = feedRecords
    }
}

// MARK: - Maintenance

extension Store {
    /// `PRAGMA integrity_check`, then the tables against each other: every duplicate points at
    /// an article, every body's dictionary and base are there, the feed has no
    /// gaps, the counters match the rows. Runs in one read transaction, so it sees one
    /// consistent state while ingest goes on.
    public func check() throws(StoreError) -> ConsistencyReport {
        do {
            return try pool.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                var problems: [String] = []
                func count(_ sql: String) throws -> Int64 { try Int64.fetchOne(db, sql: sql) ?? 0 }
                func expect(_ sql: String, _ problem: (Int64) -> String) throws {
                    let found = try count(sql)
                    if found > 0 { problems.append(problem(found)) }
                }
                let articles = try count("SELECT COUNT(*) FROM item WHERE original_id IS NULL")
                let duplicates = try count("SELECT COUNT(*) FROM item WHERE original_id IS NOT NULL")
                let feed = try count("SELECT COUNT(seq) FROM item")
                try expect("""
                    SELECT COUNT(*) FROM item d WHERE original_id IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM item a WHERE a.id = d.original_id AND a.original_id IS NULL)
                    """) { "\($0) duplicates point to no article" }
                try expect("SELECT COUNT(*) FROM item WHERE seq IS NULL") { "\($0) items have no feed record" }
                try expect("SELECT COUNT(*) FROM item WHERE original_id IS NULL AND id NOT IN (SELECT item_id FROM body)") {
                    "\($0) articles have no body"
                }
                try expect("SELECT COUNT(*) FROM item WHERE base_id IS NOT NULL AND base_id NOT IN (SELECT item_id FROM body)") {
                    "\($0) items are kept against a base that has no body"
                }
                try expect("SELECT COUNT(*) FROM body WHERE dictionary_id IS NOT NULL AND dictionary_id NOT IN (SELECT id FROM dictionary)") {
                    "\($0) bodies name a dictionary the store does not hold"
                }
                try expect("SELECT COUNT(*) FROM (SELECT 1 FROM item WHERE original_id IS NULL GROUP BY sha256 HAVING COUNT(*) > 1)") {
                    "\($0) texts are stored as more than one article"
                }
                // Every seq ever handed out is either still in the feed or was removed by
                // retention; anything else was lost.
                let assigned = try count("SELECT value FROM counter WHERE name = 'last_seq'")
                let retained = try count("SELECT value FROM counter WHERE name = 'feed_deleted'")
                if assigned != feed + retained {
                    problems.append("the feed has \(assigned - feed - retained) gaps (\(feed) records of \(assigned) "
                        + "sequence numbers handed out, \(retained) removed by retention)")
                }
                try expect("SELECT COUNT(*) FROM item WHERE original_id IS NULL AND id NOT IN (SELECT item_id FROM anchor)") {
                    "articles without anchors: \($0); copies of them with a new top or chrome go unfound; stop the daemon and run "
                        + "`newsdedupd --reindex`"
                }
                let counters = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, value FROM counter").map {
                    ($0["name"] as String, $0["value"] as Int64)
                })
                let expected: [(Counter, Int64)] = [
                    (.articles, articles),
                    (.exactDuplicates, try count("SELECT COUNT(*) FROM item WHERE kind = 'exact'")),
                    (.nearDuplicates, try count("SELECT COUNT(*) FROM item WHERE kind = 'near'")),
                    (.rawBytes, try count("SELECT COALESCE(SUM(raw_size), 0) FROM item WHERE \(Self.keptBytes)")),
                    (.storedBytes, try count("SELECT COALESCE(SUM(length(bytes)), 0) FROM body")),
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
