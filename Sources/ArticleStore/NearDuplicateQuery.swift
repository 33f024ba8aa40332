import DedupCore
import GRDB

/// Near-duplicate lookups in SQLite. Lead, through the partial index on `lead_simhash`: a lead
/// match needs the leads equal. Whole text: the in-memory index answers it; before it is loaded
/// (a reader while the writer rebuilds it), a scan of the window's fingerprints, which reads
/// no text (bodies have their own table). Band columns with four indexes answered it once, at
/// about 60 bytes an article for a path the daemon never takes once ready.
enum NearDuplicateQuery {
    /// Every article in the window whose whole-text SimHash is within `maxDistance` bits.
    static func wholeText(_ db: Database, simhash: UInt64, maxDistance: Int) throws -> [Candidate] {
        try fetch(db, sql: "SELECT id, simhash, lead_simhash FROM item WHERE indexed = 1").filter {
            SimHash.distance($0.simhash, simhash) <= maxDistance
        }
    }

    /// The articles in the window whose lead SimHash is `leadSimhash`.
    static func sameLead(_ db: Database, leadSimhash: UInt64) throws -> [Candidate] {
        try fetch(db, sql: """
            SELECT id, simhash, lead_simhash FROM item INDEXED BY item_on_lead WHERE lead_simhash = ? AND indexed = 1
            """, arguments: [Int64(bitPattern: leadSimhash)])
    }

    private static func fetch(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [Candidate] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map {
            Candidate(id: $0[0], simhash: UInt64(bitPattern: $0[1]), leadSimhash: UInt64(bitPattern: $0[2] as Int64? ?? 0))
        }
    }
}
