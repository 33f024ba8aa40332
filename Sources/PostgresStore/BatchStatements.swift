import ArticleStore
import DedupCore
import Foundation
import NIOCore
import PostgresNIO

/// What the server knows of a batch, asked in three statements under the lock: which of its
/// claim keys were committed before (a restart's recovery), which contents are already stored
/// as articles, and which window articles share a lead with one of its items.
struct BatchLookups {
    /// Whether a committed item's bytes can be given back (see `IngestOutcome.alreadyIngested`).
    static let bytesKept = "(i.original_id IS NULL OR i.base_id IS NOT NULL OR EXISTS (SELECT 1 FROM body b WHERE b.item_id = i.id))"

    var claimed: [Data: IngestOutcome] = [:]
    var exact: [Data: Int64] = [:]
    var leads: [Int64: [Candidate]] = [:]

    init(_ items: [IngestItem], _ connection: PostgresSession.Connection) throws {
        guard !items.isEmpty else { return }
        for row in try connection.rows("""
            SELECT c.key, i.seq, \(unescaped: Self.bytesKept) FROM claim c JOIN item i ON i.id = c.item_id
            WHERE c.key = ANY(\(items.map { ByteBuffer(data: ClaimBlob.encode($0.claimKey)) }))
            """) {
            let (key, seq, kept) = try row.decode((Data, Int64, Bool).self)
            claimed[key] = .alreadyIngested(seq: seq, bytesKept: kept)
        }
        exact = try Self.exactMatches(items, connection)
        leads = try Self.equalLeads(items, connection)
    }

    /// The stored article with each item's SHA-256, by it.
    static func exactMatches(_ items: [IngestItem], _ connection: PostgresSession.Connection) throws -> [Data: Int64] {
        var exact: [Data: Int64] = [:]
        for row in try connection.rows("""
            SELECT sha256, min(id) FROM item WHERE sha256 = ANY(\(items.map { ByteBuffer(bytes: $0.fingerprint.sha256) }))
                AND original_id IS NULL GROUP BY sha256
            """) {
            let (sha, id) = try row.decode((Data, Int64).self)
            exact[sha] = id
        }
        return exact
    }

    /// The window's articles whose lead equals an item's, by lead.
    static func equalLeads(_ items: [IngestItem], _ connection: PostgresSession.Connection) throws -> [Int64: [Candidate]] {
        var leads: [Int64: [Candidate]] = [:]
        let wanted = Array(Set(items.map { Int64(bitPattern: $0.fingerprint.leadSimhash) }))
        for row in try connection.rows("SELECT lead_simhash, id, simhash FROM item WHERE lead_simhash = ANY(\(wanted)) AND indexed") {
            let (lead, id, simhash) = try row.decode((Int64, Int64, Int64).self)
            leads[lead, default: []].append(Candidate(id: id, simhash: UInt64(bitPattern: simhash), leadSimhash: UInt64(bitPattern: lead)))
        }
        return leads
    }
}

/// A batch's rows, gathered column by column and written with one `INSERT … SELECT FROM
/// unnest(…)` per table. Nullable columns travel as a sentinel the statement turns back into
/// NULL (postgres-nio encodes arrays without NULL elements): 0 for an id (ids start at 1), ""
/// for a text, NaN for the containment.
struct PendingItemRows {
    private var articles = ItemColumns()
    private var duplicates = ItemColumns()
    private var bodies = (itemId: [Int64](), dictionaryId: [Int64](), bytes: [ByteBuffer]())
    private var anchors = (itemId: [Int64](), keys: [ByteBuffer]())
    private var claims = (key: [ByteBuffer](), itemId: [Int64]())
    private var counts: [String: Int64] = [:]

    struct ItemColumns {
        var id: [Int64] = [], seq: [Int64] = [], originalId: [Int64] = [], kind: [String] = [], distance: [Int64] = []
        var containment: [Double] = [], matchedOn: [String] = [], sha256: [ByteBuffer] = [], simhash: [Int64] = []
        var leadSimhash: [Int64] = [], source: [String] = [], receivedAt: [Int64] = [], encoding: [String] = []
        var rawSize: [Int64] = [], baseId: [Int64] = []

        mutating func append(_ item: IngestItem, id: Int64, seq: Int64) {
            self.id.append(id)
            self.seq.append(seq)
            sha256.append(ByteBuffer(bytes: item.fingerprint.sha256))
            simhash.append(Int64(bitPattern: item.fingerprint.simhash))
            source.append(item.source)
            receivedAt.append(item.receivedAt)
            encoding.append(item.encoding.rawValue)
            rawSize.append(Int64(item.bytes.count))
        }
    }

    mutating func article(_ item: IngestItem, id: Int64, seq: Int64, body: [UInt8], dictionaryId: Int64?) {
        articles.append(item, id: id, seq: seq)
        articles.leadSimhash.append(Int64(bitPattern: item.fingerprint.leadSimhash))
        bodies.itemId.append(id)
        bodies.dictionaryId.append(dictionaryId ?? 0)
        bodies.bytes.append(ByteBuffer(bytes: body))
        anchors.itemId.append(id)
        anchors.keys.append(ByteBuffer(data: AnchorBlob.encode(item.fingerprint.anchors)))
        counts["articles", default: 0] += 1
        counts["stored_bytes", default: 0] += Int64(body.count)
        counts["raw_bytes", default: 0] += Int64(item.bytes.count)
    }

    mutating func duplicate(_ item: IngestItem, id: Int64, seq: Int64, of original: Int64, kind: DuplicateKind, distance: Int,
                            containment: Double?, path: MatchPath?, kept: DuplicateBody) {
        duplicates.append(item, id: id, seq: seq)
        duplicates.originalId.append(original)
        duplicates.kind.append(kind.rawValue)
        duplicates.distance.append(Int64(distance))
        duplicates.containment.append(containment ?? .nan)
        duplicates.matchedOn.append(path?.rawValue ?? "")
        duplicates.baseId.append(kept.baseId ?? 0)
        if let bytes = kept.bytes {
            bodies.itemId.append(id)
            bodies.dictionaryId.append(kept.dictionaryId ?? 0)
            bodies.bytes.append(ByteBuffer(bytes: bytes))
            counts["stored_bytes", default: 0] += Int64(bytes.count)
        }
        counts[kind == .exact ? "exact_duplicates" : "near_duplicates", default: 0] += 1
        counts["raw_bytes", default: 0] += Int64(item.bytes.count)
    }

    mutating func claim(_ key: Data, id: Int64) {
        claims.key.append(ByteBuffer(data: key))
        claims.itemId.append(id)
    }

    /// Every row of the batch, then the counters (totals added to; `last_seq`, `last_id` set).
    func write(_ connection: PostgresSession.Connection, lastSeq: Int64, lastId: Int64) throws {
        if !articles.id.isEmpty {
            let a = articles
            try connection.execute("""
                INSERT INTO item(id, seq, sha256, simhash, lead_simhash, indexed, source, received_at, encoding, raw_size)
                SELECT id, seq, sha256, simhash, lead_simhash, true, source, received_at, encoding, raw_size
                FROM unnest(\(a.id)::bigint[], \(a.seq)::bigint[], \(a.sha256)::bytea[], \(a.simhash)::bigint[], \(a.leadSimhash)::bigint[],
                            \(a.source)::text[], \(a.receivedAt)::bigint[], \(a.encoding)::text[], \(a.rawSize)::bigint[])
                     AS r(id, seq, sha256, simhash, lead_simhash, source, received_at, encoding, raw_size)
                """)
        }
        if !duplicates.id.isEmpty {
            let d = duplicates
            try connection.execute("""
                INSERT INTO item(id, seq, original_id, kind, distance, containment, matched_on, sha256, simhash, source, received_at,
                                 encoding, raw_size, base_id)
                SELECT id, seq, original_id, kind, distance, NULLIF(containment, 'NaN'), NULLIF(matched_on, ''), sha256, simhash,
                       source, received_at, encoding, raw_size, NULLIF(base_id, 0)
                FROM unnest(\(d.id)::bigint[], \(d.seq)::bigint[], \(d.originalId)::bigint[], \(d.kind)::text[], \(d.distance)::bigint[],
                            \(d.containment)::float8[], \(d.matchedOn)::text[], \(d.sha256)::bytea[], \(d.simhash)::bigint[],
                            \(d.source)::text[], \(d.receivedAt)::bigint[], \(d.encoding)::text[], \(d.rawSize)::bigint[],
                            \(d.baseId)::bigint[])
                     AS r(id, seq, original_id, kind, distance, containment, matched_on, sha256, simhash, source, received_at, encoding,
                          raw_size, base_id)
                """)
        }
        if !bodies.itemId.isEmpty {
            try connection.execute("""
                INSERT INTO body(item_id, dictionary_id, bytes)
                SELECT item_id, NULLIF(dictionary_id, 0), bytes
                FROM unnest(\(bodies.itemId)::bigint[], \(bodies.dictionaryId)::bigint[], \(bodies.bytes)::bytea[]) AS r(item_id, dictionary_id, bytes)
                """)
        }
        if !anchors.itemId.isEmpty {
            try connection.execute("""
                INSERT INTO anchor(item_id, keys) SELECT * FROM unnest(\(anchors.itemId)::bigint[], \(anchors.keys)::bytea[])
                """)
        }
        if !claims.key.isEmpty {
            try connection.execute("INSERT INTO claim(key, item_id) SELECT * FROM unnest(\(claims.key)::bytea[], \(claims.itemId)::bigint[])")
        }
        let names = counts.keys.sorted() + ["last_seq", "last_id"]
        let amounts = names.map { counts[$0] ?? 0 }
        try connection.execute("""
            UPDATE counter c SET value = CASE c.name WHEN 'last_seq' THEN \(lastSeq) WHEN 'last_id' THEN \(lastId) ELSE c.value + r.amount END
            FROM unnest(\(names)::text[], \(amounts)::bigint[]) AS r(name, amount) WHERE c.name = r.name
            """)
    }
}
