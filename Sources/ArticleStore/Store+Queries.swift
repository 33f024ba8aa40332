public import DedupCore
import Foundation
import GRDB

/// The store's running totals.
public struct StoreTotals: Sendable, Equatable {
    public var articles: Int64 = 0
    public var exactDuplicates: Int64 = 0
    public var nearDuplicates: Int64 = 0
    public var quarantined: Int64 = 0
    public var rawBytes: Int64 = 0
    public var storedBytes: Int64 = 0
    public var lastSeq: Int64 = 0

    public init() {}
}

/// A received item as stored, article or duplicate, with its bytes exactly as received.
public struct StoredItem: Sendable {
    public var id: Int64
    /// Its place in the feed (nil only for a row an older store had lost from its feed).
    public var seq: Int64?
    /// For a duplicate: the article it repeats, and how.
    public var duplicateOf: Int64?
    public var duplicateKind: DuplicateKind?
    public var source: String
    public var receivedAt: Int64
    public var sha256: [UInt8]
    public var simhash: UInt64
    /// nil: not recorded (duplicates received before schema 7).
    public var encoding: String?
    public var rawSize: Int64
    /// What its bytes take in the store: its body (0 when they equal its original's).
    public var storedSize: Int64
    /// nil: never kept (duplicates received before schema 7).
    public var bytes: [UInt8]?

    public init(id: Int64, seq: Int64?, duplicateOf: Int64?, duplicateKind: DuplicateKind?, source: String, receivedAt: Int64, sha256: [UInt8], simhash: UInt64, encoding: String?, rawSize: Int64, storedSize: Int64, bytes: [UInt8]?) {
        self.id = id
        self.seq = seq
        self.duplicateOf = duplicateOf
        self.duplicateKind = duplicateKind
        self.source = source
        self.receivedAt = receivedAt
        self.sha256 = sha256
        self.simhash = simhash
        self.encoding = encoding
        self.rawSize = rawSize
        self.storedSize = storedSize
        self.bytes = bytes
    }
}

/// One feed record: the item it announces (every received item has one, in commit order).
public struct FeedEntry: Sendable, Equatable {
    public enum Kind: String, Sendable { case article, duplicate }

    public var seq: Int64
    public var kind: Kind
    /// The item's id: articles and duplicates share one id space.
    public var id: Int64
    public var duplicateOf: Int64?
    public var duplicateKind: DuplicateKind?
    public var distance: Int?
    /// For a near duplicate: the containment that confirmed it and the path that found it
    /// (see `Verdict`).
    public var containment: Double? = nil
    public var path: MatchPath? = nil
    public var source: String
    public var sha256: [UInt8]
    public var simhash: UInt64
    public var receivedAt: Int64
    /// The article's bytes (articles only), exactly as received.
    public var bytes: [UInt8]?

    public init(seq: Int64, kind: Kind, id: Int64, duplicateOf: Int64?, duplicateKind: DuplicateKind?, distance: Int?, containment: Double?, path: MatchPath?, source: String, sha256: [UInt8], simhash: UInt64, receivedAt: Int64, bytes: [UInt8]?) {
        self.seq = seq
        self.kind = kind
        self.id = id
        self.duplicateOf = duplicateOf
        self.duplicateKind = duplicateKind
        self.distance = distance
        self.containment = containment
        self.path = path
        self.source = source
        self.sha256 = sha256
        self.simhash = simhash
        self.receivedAt = receivedAt
        self.bytes = bytes
    }
}

// MARK: - Reads

extension Store {
    public func totals() throws(StoreError) -> StoreTotals {
        do {
            return try pool.read { db in
                var totals = StoreTotals()
                for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counter") {
                    let value: Int64 = row["value"]
                    switch Counter(rawValue: row["name"]) {
                    case .articles: totals.articles = value
                    case .exactDuplicates: totals.exactDuplicates = value
                    case .nearDuplicates: totals.nearDuplicates = value
                    case .quarantined: totals.quarantined = value
                    case .rawBytes: totals.rawBytes = value
                    case .storedBytes: totals.storedBytes = value
                    case .lastSeq: totals.lastSeq = value
                    case .feedDeleted, nil: break
                    }
                }
                return totals
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Any received item by id, with its bytes.
    public func item(id: Int64) throws(StoreError) -> StoredItem? {
        do {
            return try pool.read { db in
                guard let record = try ItemRecord.fetchOne(db, key: id) else { return nil }
                let stored = try Int64.fetchOne(db, sql: "SELECT length(bytes) FROM body WHERE item_id = ?", arguments: [id]) ?? 0
                return try StoredItem(record, storedSize: stored, bytes: bytes(of: id, db))
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Feed records after `seq`, in order, at most `limit`; an article's carries its bytes.
    public func feed(since seq: Int64, limit: Int) throws(StoreError) -> [FeedEntry] {
        do {
            return try pool.read { db in
                try ItemRecord.filter(Column("seq") > seq).order(Column("seq")).limit(limit).fetchAll(db).map { record in
                    let id = try record.id.orThrow("item id")
                    return FeedEntry(
                        seq: try record.seq.orThrow("seq"), kind: record.isArticle ? .article : .duplicate, id: id,
                        duplicateOf: record.originalId, duplicateKind: record.kind, distance: record.distance.map(Int.init),
                        containment: record.containment, path: record.matchedOn.flatMap(MatchPath.init(rawValue:)),
                        source: record.source, sha256: Array(record.sha256), simhash: UInt64(bitPattern: record.simhash),
                        receivedAt: record.receivedAt, bytes: record.isArticle ? try bytes(of: id, db) : nil)
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}

extension StoredItem {
    init(_ record: ItemRecord, storedSize: Int64, bytes: [UInt8]?) throws {
        id = try record.id.orThrow("item id")
        seq = record.seq
        duplicateOf = record.originalId
        duplicateKind = record.kind
        source = record.source
        receivedAt = record.receivedAt
        sha256 = Array(record.sha256)
        simhash = UInt64(bitPattern: record.simhash)
        encoding = record.encoding
        rawSize = record.rawSize
        self.storedSize = storedSize
        self.bytes = bytes
    }
}
