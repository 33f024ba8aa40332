import DedupCore
import GRDB

/// Near-duplicate lookups in SQLite. Whole text, through the band indexes (see `BandKey`): one
/// indexed `IN` probe per band, never a scan; the store uses it until the in-memory index is
/// loaded. Lead, through the index on `lead_simhash`: a lead match needs the leads equal.
enum NearDuplicateQuery {
    /// Every stored article whose whole-text SimHash is within `maxDistance` bits.
    static func wholeText(_ db: Database, simhash: UInt64, maxDistance: Int) throws -> [Candidate] {
        let (sql, arguments) = statement(simhash: simhash, maxDistance: maxDistance)
        return try fetch(db, sql: sql, arguments: arguments).filter { SimHash.distance($0.simhash, simhash) <= maxDistance }
    }

    /// The indexed articles whose lead SimHash is `leadSimhash` (retired ones, with band keys
    /// of -1, are left out, as the band probes leave them out).
    static func sameLead(_ db: Database, leadSimhash: UInt64) throws -> [Candidate] {
        try fetch(db, sql: """
            SELECT id, simhash, lead_simhash FROM article INDEXED BY article_on_lead_simhash
            WHERE lead_simhash = ? AND band0 >= 0
            """, arguments: [Int64(bitPattern: leadSimhash)], cached: true)
    }

    /// One `SELECT` per whole-text band, each forced onto its index (`INDEXED BY` fails rather
    /// than scan).
    static func statement(simhash: UInt64, maxDistance: Int) -> (sql: String, arguments: StatementArguments) {
        let radius = BandKey.radius(forMaxDistance: maxDistance)
        var arguments = StatementArguments()
        var selects: [String] = []
        for band in 0..<BandKey.bandCount {
            let probes = BandKey.probes(around: BandKey.band(band, of: simhash), radius: radius)
            let marks = Array(repeating: "?", count: probes.count).joined(separator: ",")
            selects.append("SELECT id, simhash, lead_simhash FROM article INDEXED BY article_on_band\(band) "
                + "WHERE band\(band) IN (\(marks))")
            _ = arguments.append(contentsOf: StatementArguments(probes.map { Int64($0) }))
        }
        return (selects.joined(separator: " UNION "), arguments)
    }

    private static func fetch(_ db: Database, sql: String, arguments: StatementArguments, cached: Bool = false) throws -> [Candidate] {
        let statement = cached ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        return try Row.fetchAll(statement, arguments: arguments).map {
            Candidate(id: $0[0], simhash: UInt64(bitPattern: $0[1]), leadSimhash: UInt64(bitPattern: $0[2]))
        }
    }
}
