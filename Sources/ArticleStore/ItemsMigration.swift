import DedupCore
public import Foundation
import GRDB

/// Schema 7 (issue 18): every received item, article or duplicate, is one row of `item` with
/// one id; the bytes live in `body`, so scanning what the index and the feed need never reads a
/// text; a duplicate keeps its bytes too, as a delta against its original. The old tables are
/// copied over once and dropped:
///
/// - Articles keep their ids (consumers hold them: `duplicate_of`, `show`). Duplicates, whose
///   ids came from a sequence of their own and overlapped the articles', are numbered after the
///   highest article id ever handed out, in feed order; seqs do not change. The README says so.
/// - Duplicates received before this version were never kept: they have no body and no base.
/// - Claim keys move to a table of their own, `claim`, 16 bytes each ("2:" and 32 hex digits;
///   an older kind keeps its text's bytes): a claim is needed only while its file's batch is in
///   processing/, and the daemon deletes it once the batch has left (see `Store.ingest`).
/// - Dropped as nothing reads them: the four band columns and their indexes (the in-memory
///   index answers whole-text lookups), the lead's bands, the token count, the stored size (a
///   body's length), and the feed table (a seq is a column of the item it announces).
/// - Dictionaries are stored zlib-compressed from now on.
enum ItemsMigration {
    static func run(_ db: Database) throws {
        let rows = try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM article) + (SELECT COUNT(*) FROM duplicate)") ?? 0
        let progress = MigrationProgress(total: rows)
        db.add(function: DatabaseFunction("newsdedup_claim", argumentCount: 1, pure: true) { values in
            progress.step()
            return String.fromDatabaseValue(values[0]).map { ClaimBlob.encode($0) }
        })
        defer { db.remove(function: DatabaseFunction("newsdedup_claim", argumentCount: 1, pure: true) { _ in nil }) }
        defer { progress.finish() }
        try createTables(db)

        // Articles, with the ids they had.
        try db.execute(sql: """
            INSERT INTO item(id, seq, sha256, simhash, lead_simhash, indexed, source, received_at, encoding, raw_size)
            SELECT a.id, f.seq, a.sha256, a.simhash, a.lead_simhash, a.band0 >= 0, a.source, a.received_at, a.encoding, a.raw_size
            FROM article a LEFT JOIN feed f ON f.kind = 'article' AND f.article_id = a.id
            """)
        try db.execute(sql: """
            INSERT INTO claim(key, item_id) SELECT newsdedup_claim(f.claim_key), f.article_id FROM feed f
            WHERE f.kind = 'article' AND f.article_id IN (SELECT id FROM article)
            """)
        try db.execute(sql: "INSERT INTO body(item_id, dictionary_id, bytes) SELECT id, dictionary_id, body FROM article")
        try db.execute(sql: """
            INSERT INTO anchor(item_id, keys) SELECT article_id, anchors FROM article_anchor
            WHERE article_id IN (SELECT id FROM article)
            """)
        // Duplicates, numbered after every article id ever handed out, in feed order.
        let firstFree = try Int64.fetchOne(db, sql: """
            SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'article'), 0),
                       COALESCE((SELECT MAX(id) FROM article), 0))
            """) ?? 0
        try db.execute(sql: """
            CREATE TEMP TABLE renumbered AS
            SELECT d.id AS old, ? + ROW_NUMBER() OVER (ORDER BY f.seq IS NULL, f.seq, d.id) AS new, f.seq AS seq, f.claim_key AS claim
            FROM duplicate d LEFT JOIN feed f ON f.kind = 'duplicate' AND f.duplicate_id = d.id
            """, arguments: [firstFree])
        try db.execute(sql: """
            INSERT INTO item(id, seq, original_id, kind, distance, containment, matched_on, sha256, simhash, indexed, source,
                             received_at, raw_size)
            SELECT r.new, r.seq, d.article_id, d.kind, d.distance, d.containment, d.matched_on, d.sha256, d.simhash, 0, d.source,
                   d.received_at, d.raw_size
            FROM duplicate d JOIN renumbered r ON r.old = d.id
            """)
        try db.execute(sql: """
            INSERT INTO claim(key, item_id) SELECT newsdedup_claim(claim), new FROM renumbered WHERE claim IS NOT NULL
            """)
        try db.execute(sql: "DROP TABLE renumbered")
        let lastSeq = try Int64.fetchOne(db, sql: """
            SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'feed'), 0), COALESCE((SELECT MAX(seq) FROM feed), 0))
            """) ?? 0
        try db.execute(sql: "INSERT OR REPLACE INTO counter(name, value) VALUES ('last_seq', ?)", arguments: [lastSeq])
        // raw_bytes and stored_bytes keep their values: only articles' bytes were kept before.
        for table in ["feed", "duplicate", "article_anchor", "article"] { try db.execute(sql: "DROP TABLE \(table)") }

        try db.alter(table: "dictionary") { t in t.add(column: "raw_size", .integer) }
        for row in try Row.fetchAll(db, sql: "SELECT id, bytes FROM dictionary") {
            let bytes = Array(row[1] as Data)
            try db.execute(sql: "UPDATE dictionary SET bytes = ?, raw_size = ? WHERE id = ?",
                           arguments: [Data(try ZlibCodec.compress(bytes, level: 9)), bytes.count, row[0] as Int64])
        }
    }

    private static func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE item (
                -- One id for every received item, article or duplicate.
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                -- Its place in the feed (NULL only for a row an older store had lost from its feed).
                seq INTEGER,
                -- NULL for an article; for a duplicate, the article it repeats and how.
                original_id INTEGER REFERENCES item(id) DEFERRABLE INITIALLY DEFERRED,
                kind TEXT CHECK (kind IN ('exact', 'near')),
                distance INTEGER,
                containment REAL,
                matched_on TEXT,
                sha256 BLOB NOT NULL,
                simhash INTEGER NOT NULL,
                -- Articles only.
                lead_simhash INTEGER,
                -- 1 while the article is in the near-duplicate window (retention sets 0).
                indexed INTEGER NOT NULL DEFAULT 0 CHECK (indexed IN (0, 1)),
                source TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                -- NULL: not recorded (duplicates received before schema 7).
                encoding TEXT,
                raw_size INTEGER NOT NULL,
                -- The item whose bytes this one's body is a delta against (with a body row) or equal to
                -- (without one). An item with neither body nor base kept no bytes (before schema 7).
                base_id INTEGER REFERENCES item(id) DEFERRABLE INITIALLY DEFERRED,
                CHECK ((original_id IS NULL) = (kind IS NULL))
            )
            """)
        try db.execute(sql: "CREATE UNIQUE INDEX item_on_seq ON item(seq)")
        try db.execute(sql: "CREATE INDEX item_on_original ON item(original_id) WHERE original_id IS NOT NULL")
        // The exact-duplicate lookup: 8 bytes of the SHA-256 are enough to find the one article
        // (the whole hash is compared in the row), at a quarter of a whole-hash index's size.
        try db.execute(sql: "CREATE INDEX item_on_sha_prefix ON item(substr(sha256, 1, 8)) WHERE original_id IS NULL")
        // A lead match needs the leads equal: only the window's articles are probed.
        try db.execute(sql: "CREATE INDEX item_on_lead ON item(lead_simhash) WHERE indexed = 1")
        try db.execute(sql: """
            CREATE TABLE body (
                item_id INTEGER PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
                -- The preset dictionary the bytes were compressed with (NULL: none, or a delta).
                dictionary_id INTEGER REFERENCES dictionary(id),
                bytes BLOB NOT NULL
            )
            """)
        // Which claimed file an item was (see ClaimBlob), while its batch may still be in
        // processing/: a file recovered there after a crash is recognised, never counted twice.
        try db.execute(sql: """
            CREATE TABLE claim (
                key BLOB PRIMARY KEY,
                item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE
            ) WITHOUT ROWID
            """)
        // Each article's anchor keys (`Anchors`), 4 bytes each, little-endian.
        try db.execute(sql: """
            CREATE TABLE anchor (
                item_id INTEGER PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
                keys BLOB NOT NULL
            )
            """)
    }
}

/// What a long migration says on stderr (the journal under systemd): a line before and after,
/// and on a terminal a count going up, so a store of millions of rows does not look hung.
final class MigrationProgress: @unchecked Sendable {
    private let total: Int
    private var done = 0
    private let started = ContinuousClock.now
    private let terminal = isatty(STDERR_FILENO) == 1

    init(total: Int) {
        self.total = total
        guard total > 0 else { return }
        Self.say("newsdedup: moving the store to schema 7 (one item table, bodies apart): \(total) rows, each rewritten once\n")
    }

    /// One row copied (called by SQLite, on the migrating connection only).
    func step() {
        done += 1
        if terminal, done % 10_000 == 0 { Self.say("\r  \(done) of \(total) rows") }
    }

    func finish() {
        guard total > 0 else { return }
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        Self.say((terminal ? "\r" : "") + "newsdedup: store moved to schema 7: \(total) rows in \(String(format: "%.1f", seconds)) s\n")
    }

    private static func say(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}

/// A claim key as stored: the current kind ("2:" and 32 hex digits) as its 16 bytes, any other
/// (older versions named the inode, mtime and size) as its text's bytes.
public enum ClaimBlob {
    public static func encode(_ key: String) -> Data {
        let utf8 = Array(key.utf8)
        if utf8.count == 34, key.hasPrefix("2:") {
            var bytes = Data(capacity: 16)
            var index = 2
            while index < 34 {
                guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return Data(utf8) }
                bytes.append(high << 4 | low)
                index += 2
            }
            return bytes
        }
        return Data(utf8)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
