import DedupCore
import GRDB

/// Near-duplicate lookup through the four band indexes (see `BandKey`): one indexed `IN` probe
/// per band, never a scan. Returns every stored article within `maxDistance` bits, checked by
/// exact Hamming distance, nearest first.
enum NearDuplicateQuery {
    static func candidates(_ db: Database, simhash: UInt64, maxDistance: Int) throws -> [Candidate] {
        let (sql, arguments) = statement(simhash: simhash, maxDistance: maxDistance)
        var found: [Candidate] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let candidate = Candidate(id: row[0], simhash: UInt64(bitPattern: row[1]))
            if SimHash.distance(candidate.simhash, simhash) <= maxDistance { found.append(candidate) }
        }
        return found.sorted {
            (SimHash.distance($0.simhash, simhash), $0.id) < (SimHash.distance($1.simhash, simhash), $1.id)
        }
    }

    /// One `SELECT` per band, each forced onto its index (`INDEXED BY` fails rather than scan).
    static func statement(simhash: UInt64, maxDistance: Int) -> (sql: String, arguments: StatementArguments) {
        let radius = BandKey.radius(forMaxDistance: maxDistance)
        var arguments = StatementArguments()
        var selects: [String] = []
        for band in 0..<BandKey.bandCount {
            let probes = BandKey.probes(around: BandKey.band(band, of: simhash), radius: radius)
            let marks = Array(repeating: "?", count: probes.count).joined(separator: ",")
            selects.append("SELECT id, simhash FROM article INDEXED BY article_on_band\(band) WHERE band\(band) IN (\(marks))")
            _ = arguments.append(contentsOf: StatementArguments(probes.map { Int64($0) }))
        }
        return (selects.joined(separator: " UNION "), arguments)
    }
}
