import DedupCore
public import Foundation
import GRDB

/// One received item: an article (a story stored for the first time) or a duplicate of one.
/// One id space for both; `seq` is the item's place in the feed (see ItemsMigration).
struct ItemRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "item"

    var id: Int64?
    var seq: Int64?
    /// nil for an article; for a duplicate, the article it repeats, how, and how near.
    var originalId: Int64?
    var kind: DuplicateKind?
    var distance: Int64?
    /// For a near duplicate: the shingle containment that confirmed it.
    var containment: Double?
    /// For a near duplicate: the path that found it (`MatchPath`).
    var matchedOn: String?
    /// SHA-256 of the normalised text: for an article, the exact-duplicate key.
    var sha256: Data
    /// The SimHash, bit pattern stored as a signed 64-bit integer.
    var simhash: Int64
    /// Articles only: the lead SimHash (`Fingerprint.leadSimhash`).
    var leadSimhash: Int64?
    /// An article in the near-duplicate window (retention clears it).
    var indexed: Bool
    /// The file name as received in the inbox.
    var source: String
    /// Milliseconds since 1970, UTC.
    var receivedAt: Int64
    /// nil: not recorded (duplicates received before schema 7).
    var encoding: String?
    var rawSize: Int64
    /// The item whose bytes this one's body is a delta against, or equal to when it has no body.
    var baseId: Int64?

    var isArticle: Bool { originalId == nil }

    enum CodingKeys: String, CodingKey {
        case id, seq, originalId = "original_id", kind, distance, containment, matchedOn = "matched_on"
        case sha256, simhash, leadSimhash = "lead_simhash", indexed, source, receivedAt = "received_at", encoding
        case rawSize = "raw_size", baseId = "base_id"
    }

    /// Columns written directly: GRDB's Codable path costs tens of microseconds a row, which
    /// showed as 17 % of `--once`'s wall time at 20,000 articles.
    func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["seq"] = seq
        container["original_id"] = originalId
        container["kind"] = kind?.rawValue
        container["distance"] = distance
        container["containment"] = containment
        container["matched_on"] = matchedOn
        container["sha256"] = sha256
        container["simhash"] = simhash
        container["lead_simhash"] = leadSimhash
        container["indexed"] = indexed
        container["source"] = source
        container["received_at"] = receivedAt
        container["encoding"] = encoding
        container["raw_size"] = rawSize
        container["base_id"] = baseId
    }
}

/// An item's bytes, zlib-compressed: alone, with a preset dictionary, or (with the item's
/// `baseId`) with its base's bytes as the dictionary, a delta. A duplicate whose bytes equal its
/// base's has no row.
struct BodyRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "body"

    var itemId: Int64
    var dictionaryId: Int64?
    var bytes: Data

    enum CodingKeys: String, CodingKey {
        case itemId = "item_id", dictionaryId = "dictionary_id", bytes
    }

    func encode(to container: inout PersistenceContainer) {
        container["item_id"] = itemId
        container["dictionary_id"] = dictionaryId
        container["bytes"] = bytes
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

/// An article's anchor keys, in a table of their own: only the index load reads them.
struct AnchorRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "anchor"

    var itemId: Int64
    var keys: Data

    enum CodingKeys: String, CodingKey {
        case itemId = "item_id", keys
    }

    func encode(to container: inout PersistenceContainer) {
        container["item_id"] = itemId
        container["keys"] = keys
    }
}

/// Anchor keys as `anchor.keys` holds them: 4 bytes each, little-endian (read back
/// by `IndexScan`).
public enum AnchorBlob {
    public static func encode(_ anchors: [UInt32]) -> Data {
        var data = Data(capacity: anchors.count * 4)
        for anchor in anchors { withUnsafeBytes(of: anchor.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
