import Foundation
import GRDB

/// A stored article: one row per distinct story, its bytes zlib-compressed.
struct ArticleRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "article"

    var id: Int64?
    /// SHA-256 of the normalised text: the exact-duplicate key (UNIQUE).
    var sha256: Data
    /// The SimHash, bit pattern stored as a signed 64-bit integer.
    var simhash: Int64
    var band0: Int64
    var band1: Int64
    var band2: Int64
    var band3: Int64
    /// The lead SimHash (see `Fingerprint.leadSimhash`) and its bands.
    var leadSimhash: Int64
    var leadBand0: Int64
    var leadBand1: Int64
    var leadBand2: Int64
    var leadBand3: Int64
    /// The file name as received in the inbox.
    var source: String
    /// Milliseconds since 1970, UTC.
    var receivedAt: Int64
    var encoding: String
    var rawSize: Int64
    var storedSize: Int64
    var tokenCount: Int64
    /// The file's bytes, exactly as received, zlib-compressed.
    var body: Data
    /// The preset dictionary `body` was compressed with; nil: none.
    var dictionaryId: Int64?

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let sha256 = Column(CodingKeys.sha256)
        static let simhash = Column(CodingKeys.simhash)
        static let rawSize = Column(CodingKeys.rawSize)
        static let storedSize = Column(CodingKeys.storedSize)
    }

    enum CodingKeys: String, CodingKey {
        case id, sha256, simhash, band0, band1, band2, band3, source
        case leadSimhash = "lead_simhash", leadBand0 = "lead_band0", leadBand1 = "lead_band1"
        case leadBand2 = "lead_band2", leadBand3 = "lead_band3"
        case receivedAt = "received_at", encoding, rawSize = "raw_size", storedSize = "stored_size"
        case tokenCount = "token_count", body, dictionaryId = "dictionary_id"
    }

    /// Columns written directly: GRDB's Codable path costs tens of microseconds a row, which
    /// showed as 17 % of `--once`'s wall time at 20,000 articles.
    func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["sha256"] = sha256
        container["simhash"] = simhash
        container["band0"] = band0
        container["band1"] = band1
        container["band2"] = band2
        container["band3"] = band3
        container["lead_simhash"] = leadSimhash
        container["lead_band0"] = leadBand0
        container["lead_band1"] = leadBand1
        container["lead_band2"] = leadBand2
        container["lead_band3"] = leadBand3
        container["source"] = source
        container["received_at"] = receivedAt
        container["encoding"] = encoding
        container["raw_size"] = rawSize
        container["stored_size"] = storedSize
        container["token_count"] = tokenCount
        container["body"] = body
        container["dictionary_id"] = dictionaryId
    }
}

/// A file whose story is already stored: it points at the article it repeats.
struct DuplicateRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "duplicate"

    enum Kind: String, Codable, Sendable { case exact, near }

    var id: Int64?
    var articleId: Int64
    var kind: Kind
    var distance: Int64
    var sha256: Data
    var simhash: Int64
    var source: String
    var receivedAt: Int64
    var rawSize: Int64
    /// For a near duplicate: the shingle containment that confirmed it (older stores recorded
    /// it for lead matches only).
    var containment: Double?
    /// For a near duplicate: the path that found it (`MatchPath`).
    var matchedOn: String?

    enum Columns {
        static let articleId = Column(CodingKeys.articleId)
        static let kind = Column(CodingKeys.kind)
    }

    enum CodingKeys: String, CodingKey {
        case id, articleId = "article_id", kind, distance, sha256, simhash, source
        case receivedAt = "received_at", rawSize = "raw_size", containment, matchedOn = "matched_on"
    }

    func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["article_id"] = articleId
        container["kind"] = kind.rawValue
        container["distance"] = distance
        container["sha256"] = sha256
        container["simhash"] = simhash
        container["source"] = source
        container["received_at"] = receivedAt
        container["raw_size"] = rawSize
        container["containment"] = containment
        container["matched_on"] = matchedOn
    }
}

/// One line of the feed that downstream programs follow: one per ingested file, in commit order.
/// `claimKey` identifies the claimed file, so a file recovered after a crash between commit and
/// move is recognised as already ingested instead of being counted a second time.
struct FeedEventRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "feed"

    enum Kind: String, Codable, Sendable { case article, duplicate }

    var seq: Int64?
    var kind: Kind
    var articleId: Int64?
    var duplicateId: Int64?
    var claimKey: String

    enum Columns {
        static let seq = Column(CodingKeys.seq)
        static let claimKey = Column(CodingKeys.claimKey)
    }

    enum CodingKeys: String, CodingKey {
        case seq, kind, articleId = "article_id", duplicateId = "duplicate_id", claimKey = "claim_key"
    }

    func encode(to container: inout PersistenceContainer) {
        container["seq"] = seq
        container["kind"] = kind.rawValue
        container["article_id"] = articleId
        container["duplicate_id"] = duplicateId
        container["claim_key"] = claimKey
    }
}

/// A file that was moved to quarantine, with the reason.
struct QuarantineRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "quarantine"

    var id: Int64?
    var name: String
    var reason: String
    var at: Int64
}

/// An article's anchor keys, in a table of their own: as a column they would sit after the
/// body in overflow pages, and loading the index would read every text.
struct AnchorRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "article_anchor"

    var articleId: Int64
    var anchors: Data

    enum CodingKeys: String, CodingKey {
        case articleId = "article_id", anchors
    }

    func encode(to container: inout PersistenceContainer) {
        container["article_id"] = articleId
        container["anchors"] = anchors
    }
}

/// Anchor keys as `article_anchor.anchors` holds them: 4 bytes each, little-endian (read back
/// by `IndexScan`).
enum AnchorBlob {
    static func encode(_ anchors: [UInt32]) -> Data {
        var data = Data(capacity: anchors.count * 4)
        for anchor in anchors { withUnsafeBytes(of: anchor.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
