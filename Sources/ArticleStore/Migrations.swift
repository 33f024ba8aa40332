import DedupCore
import Foundation
import GRDB

/// Schema history. A migration's name and body are never edited once shipped: a new change is a
/// new migration, so every store, however old, reaches the same schema.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-articles-duplicates-feed") { db in
            try db.create(table: "article") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sha256", .blob).notNull().unique()
                t.column("simhash", .integer).notNull()
                // Four 16-bit bands of the SimHash, each indexed: see BandKey.
                for band in 0..<4 {
                    t.column("band\(band)", .integer).notNull().indexed()
                }
                t.column("source", .text).notNull()
                t.column("received_at", .integer).notNull()
                t.column("encoding", .text).notNull()
                t.column("raw_size", .integer).notNull()
                t.column("stored_size", .integer).notNull()
                t.column("token_count", .integer).notNull()
                t.column("body", .blob).notNull()
            }
            try db.create(table: "duplicate") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("article_id", .integer).notNull().indexed().references("article")
                t.column("kind", .text).notNull().check { ["exact", "near"].contains($0) }
                t.column("distance", .integer).notNull()
                t.column("sha256", .blob).notNull()
                t.column("simhash", .integer).notNull()
                t.column("source", .text).notNull()
                t.column("received_at", .integer).notNull()
                t.column("raw_size", .integer).notNull()
            }
            // AUTOINCREMENT: sequence numbers are never reused, even after the last row goes.
            try db.create(table: "feed") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("kind", .text).notNull().check { ["article", "duplicate"].contains($0) }
                t.column("article_id", .integer).references("article")
                t.column("duplicate_id", .integer).references("duplicate")
                t.column("claim_key", .text).notNull().unique()
            }
            try db.create(table: "quarantine") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("at", .integer).notNull()
            }
            // Running totals, kept in the same transaction as the rows, so status never counts
            // millions of rows.
            try db.create(table: "counter") { t in
                t.primaryKey("name", .text)
                t.column("value", .integer).notNull()
            }
            for name in ["articles", "exact_duplicates", "near_duplicates", "quarantined", "raw_bytes", "stored_bytes"] {
                try db.execute(sql: "INSERT INTO counter(name, value) VALUES (?, 0)", arguments: [name])
            }
            // How the fingerprints in this store were computed.
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        // Retention deletes feed records; `check` then tells deliberate gaps from lost records.
        migrator.registerMigration("v2-feed-deleted-counter") { db in
            try db.execute(sql: "INSERT OR IGNORE INTO counter(name, value) VALUES ('feed_deleted', 0)")
        }
        // Fingerprint algorithm 2: the lead SimHash, indexed like the whole-text one, and the
        // containment score that confirmed a lead match. Rows of an older store get band keys
        // of -1 (never probed) until `newsdedupd reindex` computes them.
        migrator.registerMigration("v3-lead-fingerprint") { db in
            try db.alter(table: "article") { t in
                t.add(column: "lead_simhash", .integer).notNull().defaults(to: 0)
                for band in 0..<BandKey.bandCount {
                    t.add(column: "lead_band\(band)", .integer).notNull().defaults(to: -1)
                }
            }
            for band in 0..<BandKey.bandCount {
                try db.create(index: "article_on_lead_band\(band)", on: "article", columns: ["lead_band\(band)"])
            }
            try db.alter(table: "duplicate") { t in
                t.add(column: "containment", .double)
            }
        }
        // A lead match needs the leads equal (see `NearDuplicateThreshold.minimumContainment`):
        // one index on the lead itself replaces the four on its bands, which no query uses any
        // more. The columns stay, still written: dropping them would rewrite every row of a
        // large store.
        migrator.registerMigration("v4-lead-equality-index") { db in
            try db.create(index: "article_on_lead_simhash", on: "article", columns: ["lead_simhash"])
            for band in 0..<BandKey.bandCount {
                try db.execute(sql: "DROP INDEX IF EXISTS article_on_lead_band\(band)")
            }
        }
        // Fingerprint algorithm 4: each article's anchors (`Anchors`), loaded into the in-memory
        // index, and on each near duplicate the path that found it. Older stores are refused
        // until `newsdedupd reindex` computes the anchors; their near duplicates were found on
        // the whole text, or on the lead when a containment was recorded. The anchors have a
        // table of their own: a column added to `article` would sit after the body, in its
        // overflow pages, and loading the index would read every stored text.
        migrator.registerMigration("v5-anchors-match-path") { db in
            try db.create(table: "article_anchor") { t in
                t.primaryKey("article_id", .integer).references("article", onDelete: .cascade)
                t.column("anchors", .blob).notNull()
            }
            try db.alter(table: "duplicate") { t in
                t.add(column: "matched_on", .text)
            }
            try db.execute(sql: """
                UPDATE duplicate SET matched_on = CASE WHEN containment IS NULL THEN 'whole' ELSE 'lead' END WHERE kind = 'near'
                """)
        }
        // Preset dictionaries (issue 18): one row per trained dictionary, never changed or
        // removed, and on each article the one its body was compressed with (NULL: none). The
        // column sits after the body, but it is read only with the body.
        migrator.registerMigration("v6-preset-dictionaries") { db in
            try db.create(table: "dictionary") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("script", .text).notNull()
                t.column("trained_at", .integer).notNull()
                t.column("samples", .integer).notNull()
                t.column("bytes", .blob).notNull()
            }
            try db.alter(table: "article") { t in
                t.add(column: "dictionary_id", .integer).references("dictionary")
            }
        }
        migrator.registerMigration("v7-items-bodies-one-id-space", migrate: ItemsMigration.run)
        return migrator
    }
}

/// The running totals in the `counter` table.
enum Counter: String, CaseIterable {
    case articles, exactDuplicates = "exact_duplicates", nearDuplicates = "near_duplicates"
    case quarantined, rawBytes = "raw_bytes", storedBytes = "stored_bytes"
    /// Feed records removed by retention (so `check` can tell them from lost ones).
    case feedDeleted = "feed_deleted"
    /// The last feed seq handed out (seqs are never reused, retention's gaps included).
    case lastSeq = "last_seq"
}
