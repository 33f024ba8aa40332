import DedupCore
import GRDB

/// Near-duplicate lookup through the band indexes (see `BandKey`): one indexed `IN` probe per
/// band of the whole-text SimHash and per band of the lead SimHash, never a scan. Returns every
/// stored article whose whole-text or lead SimHash is within `maxDistance` bits, checked by exact
/// Hamming distance, nearest whole-text first.
enum NearDuplicateQuery {
    static func candidates(_ db: Database, simhash: UInt64, leadSimhash: UInt64, maxDistance: Int) throws -> [Candidate] {
        let (sql, arguments) = statement(simhash: simhash, leadSimhash: leadSimhash, maxDistance: maxDistance)
        var found: [Candidate] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let candidate = Candidate(
                id: row[0], simhash: UInt64(bitPattern: row[1]), leadSimhash: UInt64(bitPattern: row[2]))
            if SimHash.distance(candidate.simhash, simhash) <= maxDistance
                || SimHash.distance(candidate.leadSimhash, leadSimhash) <= maxDistance {
                found.append(candidate)
            }
        }
        func key(_ c: Candidate) -> (Int, Int, Int64) {
            (SimHash.distance(c.simhash, simhash), SimHash.distance(c.leadSimhash, leadSimhash), c.id)
        }
        return found.sorted { key($0) < key($1) }
    }

    /// One `SELECT` per band, each forced onto its index (`INDEXED BY` fails rather than scan).
    static func statement(simhash: UInt64, leadSimhash: UInt64, maxDistance: Int) -> (sql: String, arguments: StatementArguments) {
        let radius = BandKey.radius(forMaxDistance: maxDistance)
        var arguments = StatementArguments()
        var selects: [String] = []
        for (prefix, value) in [("", simhash), ("lead_", leadSimhash)] {
            for band in 0..<BandKey.bandCount {
                let probes = BandKey.probes(around: BandKey.band(band, of: value), radius: radius)
                let marks = Array(repeating: "?", count: probes.count).joined(separator: ",")
                selects.append("SELECT id, simhash, lead_simhash FROM article INDEXED BY article_on_\(prefix)band\(band) "
                    + "WHERE \(prefix)band\(band) IN (\(marks))")
                _ = arguments.append(contentsOf: StatementArguments(probes.map { Int64($0) }))
            }
        }
        return (selects.joined(separator: " UNION "), arguments)
    }
}
