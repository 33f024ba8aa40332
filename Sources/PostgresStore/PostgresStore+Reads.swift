public import ArticleStore
public import DedupCore
import Foundation
import PostgresNIO

extension PostgresStore {
    public func totals() throws(StoreError) -> StoreTotals {
        try reader.use { connection in
            var totals = StoreTotals()
            for row in try connection.rows("SELECT name, value FROM counter") {
                let (name, value) = try row.decode((String, Int64).self)
                switch name {
                case "articles": totals.articles = value
                case "exact_duplicates": totals.exactDuplicates = value
                case "near_duplicates": totals.nearDuplicates = value
                case "quarantined": totals.quarantined = value
                case "raw_bytes": totals.rawBytes = value
                case "stored_bytes": totals.storedBytes = value
                case "last_seq": totals.lastSeq = value
                default: break
                }
            }
            return totals
        }
    }

    static let itemColumns = """
        i.id, i.seq, i.original_id, i.kind, i.distance, i.containment, i.matched_on, i.source, i.sha256, i.simhash, i.received_at
        """

    /// The feed after `seq`: every daemon's items, in commit order.
    public func feed(since seq: Int64, limit: Int) throws(StoreError) -> [FeedEntry] {
        try reader.use { connection in
            try connection.rows("""
                SELECT \(unescaped: Self.itemColumns) FROM item i WHERE i.seq > \(seq) ORDER BY i.seq LIMIT \(Int64(limit))
                """).map { row in
                let (id, seq, original, kind, distance, containment, matched, source, sha, simhash, received) =
                    try row.decode((Int64, Int64, Int64?, String?, Int32?, Double?, String?, String, Data, Int64, Int64).self)
                return FeedEntry(
                    seq: seq, kind: original == nil ? .article : .duplicate, id: id, duplicateOf: original,
                    duplicateKind: kind.flatMap(DuplicateKind.init(rawValue:)), distance: distance.map(Int.init), containment: containment,
                    path: matched.flatMap(MatchPath.init(rawValue:)), source: source, sha256: Array(sha),
                    simhash: UInt64(bitPattern: simhash), receivedAt: received,
                    bytes: original == nil ? try bytes(of: id, connection) : nil)
            }
        }
    }

    public func item(id: Int64) throws(StoreError) -> StoredItem? {
        try reader.use { connection in
            guard let row = try connection.rows("""
                SELECT i.seq, i.original_id, i.kind, i.source, i.received_at, i.sha256, i.simhash, i.encoding, i.raw_size,
                       COALESCE(length(b.bytes), 0)
                FROM item i LEFT JOIN body b ON b.item_id = i.id WHERE i.id = \(id)
                """).first else { return nil }
            let (seq, original, kind, source, received, sha, simhash, encoding, rawSize, stored) =
                try row.decode((Int64?, Int64?, String?, String, Int64, Data, Int64, String?, Int64, Int32).self)
            return StoredItem(
                id: id, seq: seq, duplicateOf: original, duplicateKind: kind.flatMap(DuplicateKind.init(rawValue:)), source: source,
                receivedAt: received, sha256: Array(sha), simhash: UInt64(bitPattern: simhash), encoding: encoding, rawSize: rawSize,
                storedSize: Int64(stored), bytes: try bytes(of: id, connection))
        }
    }

    public func duplicates(of id: Int64) throws(StoreError) -> [DuplicateEntry]? {
        try reader.use { connection in
            guard try connection.value("SELECT id FROM item WHERE id = \(id) AND original_id IS NULL", as: Int64.self) != nil else {
                return nil
            }
            return try connection.rows("""
                SELECT id, kind, distance, containment, matched_on, source, received_at, sha256, simhash
                FROM item WHERE original_id = \(id) ORDER BY id
                """).map { row in
                let (id, kind, distance, containment, matched, source, received, sha, simhash) =
                    try row.decode((Int64, String, Int32, Double?, String?, String, Int64, Data, Int64).self)
                return DuplicateEntry(
                    id: id, kind: DuplicateKind(rawValue: kind) ?? .exact, distance: Int(distance), containment: containment,
                    path: matched.flatMap(MatchPath.init(rawValue:)), source: source, receivedAt: received, sha256: Array(sha),
                    simhash: UInt64(bitPattern: simhash))
            }
        }
    }

    /// Candidates near a fingerprint, by the paths ingest uses, with the exact match first.
    public func similar(_ fingerprint: Fingerprint, maxDistance: Int) throws(StoreError) -> [SimilarArticle] {
        try loadReplicaIfNeeded()
        return try reader.use { connection in
            let exact = try connection.value("""
                SELECT id FROM item WHERE sha256 = \(Data(fingerprint.sha256)) AND original_id IS NULL
                """, as: Int64.self)
            let lead = fingerprint.leadSimhash
            let leads = try connection.rows("SELECT id, simhash FROM item WHERE lead_simhash = \(Int64(bitPattern: lead)) AND indexed").map { row in
                let (id, simhash) = try row.decode((Int64, Int64).self)
                return Candidate(id: id, simhash: UInt64(bitPattern: simhash), leadSimhash: lead)
            }
            return try SimilarArticle.listing(exact: exact, candidates: near(fingerprint, maxDistance: maxDistance, leads: leads).map(\.id)) { id in
                guard let row = try connection.rows("""
                    SELECT simhash, COALESCE(lead_simhash, 0), source, received_at FROM item WHERE id = \(id)
                    """).first else { return nil }
                let (simhash, storedLead, source, received) = try row.decode((Int64, Int64, String, Int64).self)
                return SimilarArticle(id: id, simhash: UInt64(bitPattern: simhash), leadSimhash: UInt64(bitPattern: storedLead),
                                      source: source, receivedAt: received, exact: id == exact, of: fingerprint, maxDistance: maxDistance)
            }
        }
    }

    /// The tables against each other, as the SQLite store's `check`, in one snapshot.
    public func check() throws(StoreError) -> ConsistencyReport {
        try reader.transaction { connection in
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            func count(_ query: PostgresQuery) throws -> Int64 { try connection.value(query, as: Int64.self) ?? 0 }
            var problems: [String] = []
            let articles = try count("SELECT COUNT(*) FROM item WHERE original_id IS NULL")
            let duplicates = try count("SELECT COUNT(*) FROM item WHERE original_id IS NOT NULL")
            let feed = try count("SELECT COUNT(seq) FROM item")
            let checks: [(PostgresQuery, String)] = [
                ("""
                 SELECT COUNT(*) FROM item d WHERE d.original_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM item a WHERE a.id = d.original_id AND a.original_id IS NULL)
                 """, "duplicates point to no article"),
                ("SELECT COUNT(*) FROM item WHERE original_id IS NULL AND id NOT IN (SELECT item_id FROM body)", "articles have no body"),
                ("SELECT COUNT(*) FROM item WHERE original_id IS NULL AND id NOT IN (SELECT item_id FROM anchor)", "articles have no anchors"),
                ("SELECT COUNT(*) FROM (SELECT sha256 FROM item WHERE original_id IS NULL GROUP BY sha256 HAVING COUNT(*) > 1) t",
                 "texts are stored as more than one article"),
            ]
            for (query, problem) in checks {
                let found = try count(query)
                if found > 0 { problems.append("\(found) \(problem)") }
            }
            let assigned = try count("SELECT value FROM counter WHERE name = 'last_seq'")
            let retained = try count("SELECT value FROM counter WHERE name = 'feed_deleted'")
            if assigned != feed + retained {
                problems.append("the feed has \(assigned - feed - retained) gaps (\(feed) records of \(assigned) sequence numbers "
                    + "handed out, \(retained) removed by retention)")
            }
            let expected: [(String, Int64)] = [
                ("articles", articles),
                ("exact_duplicates", try count("SELECT COUNT(*) FROM item WHERE kind = 'exact'")),
                ("near_duplicates", try count("SELECT COUNT(*) FROM item WHERE kind = 'near'")),
                ("stored_bytes", try count("SELECT COALESCE(SUM(length(bytes)), 0)::bigint FROM body")),
            ]
            for (name, value) in expected {
                let counter = try count("SELECT value FROM counter WHERE name = \(name)")
                if counter != value { problems.append("counter \(name) is \(counter), the rows say \(value)") }
            }
            return ConsistencyReport(integrity: ["ok"], problems: problems, articles: articles, duplicates: duplicates, feedRecords: feed)
        }
    }

    /// The dedup window, as in the SQLite store: older articles leave the index (every
    /// daemon's replica drops them at its next load), or the store with their duplicates.
    public func applyRetention(receivedBefore cutoff: Int64, delete: Bool) throws(StoreError) -> RetentionResult {
        let (result, leaving) = try writer.transaction { connection -> (RetentionResult, [Int64]) in
            try connection.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.lockKey))")
            var result = RetentionResult()
            let leaving = try connection.rows("""
                SELECT id FROM item WHERE indexed AND original_id IS NULL AND received_at < \(cutoff)
                """).map { try $0.decode(Int64.self) }
            guard delete else {
                try connection.execute("UPDATE item SET indexed = false WHERE indexed AND original_id IS NULL AND received_at < \(cutoff)")
                result.retired = leaving.count
                return (result, leaving)
            }
            let row = try connection.rows("""
                WITH gone AS (
                    DELETE FROM item WHERE id IN (SELECT id FROM item WHERE original_id IS NULL AND received_at < \(cutoff))
                        OR original_id IN (SELECT id FROM item WHERE original_id IS NULL AND received_at < \(cutoff))
                    RETURNING original_id, kind, raw_size, seq)
                SELECT COUNT(*) FILTER (WHERE original_id IS NULL), COUNT(*) FILTER (WHERE kind = 'exact'),
                       COUNT(*) FILTER (WHERE kind = 'near'), COALESCE(SUM(raw_size), 0)::bigint, COUNT(seq) FROM gone
                """).first
            guard let row else { return (result, leaving) }
            let (articles, exact, near, raw, seqs) = try row.decode((Int64, Int64, Int64, Int64, Int64).self)
            for (name, amount) in [("articles", -articles), ("exact_duplicates", -exact), ("near_duplicates", -near),
                                   ("raw_bytes", -raw), ("feed_deleted", seqs)] where amount != 0 {
                try connection.execute("UPDATE counter SET value = value + \(amount) WHERE name = \(name)")
            }
            try connection.execute("""
                UPDATE counter SET value = (SELECT COALESCE(SUM(length(bytes)), 0) FROM body) WHERE name = 'stored_bytes'
                """)
            result.deletedArticles = Int(articles)
            result.deletedDuplicates = Int(exact + near)
            return (result, leaving)
        }
        replica.withLock { replica in for id in leaving { replica?.index.remove(id: id) } }
        return result
    }
}
