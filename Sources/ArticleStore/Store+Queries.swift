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

/// An article as stored: its record and its bytes, decompressed, exactly as received.
public struct StoredArticle: Sendable {
    public var id: Int64
    public var source: String
    public var receivedAt: Int64
    public var sha256: [UInt8]
    public var simhash: UInt64
    public var encoding: String
    public var rawSize: Int64
    public var storedSize: Int64
    public var bytes: [UInt8]
}

/// One feed event, joined with the row it announces.
public struct FeedEntry: Sendable, Equatable {
    public enum Kind: String, Sendable { case article, duplicate }

    public var seq: Int64
    public var kind: Kind
    /// The article id, or for a duplicate its own id in the duplicates table.
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
                    case .feedDeleted, nil: break
                    }
                }
                totals.lastSeq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM feed") ?? 0
                return totals
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    public func article(id: Int64) throws(StoreError) -> StoredArticle? {
        do {
            return try pool.read { db in
                guard let record = try ArticleRecord.fetchOne(db, key: id) else { return nil }
                return try StoredArticle(record, bytes: inflate(record.body, rawSize: record.rawSize, dictionaryID: record.dictionaryId, db))
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Feed events after `seq`, in order, at most `limit`.
    public func feed(since seq: Int64, limit: Int) throws(StoreError) -> [FeedEntry] {
        do {
            return try pool.read { db in
                let events = try FeedEventRecord
                    .filter(FeedEventRecord.Columns.seq > seq)
                    .order(FeedEventRecord.Columns.seq)
                    .limit(limit)
                    .fetchAll(db)
                return try events.map { event in try self.entry(for: event, db) }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    private func entry(for event: FeedEventRecord, _ db: Database) throws -> FeedEntry {
        let seq = try event.seq.orThrow("feed seq")
        switch event.kind {
        case .article:
            let id = try event.articleId.orThrow("article id in feed")
            let record = try ArticleRecord.fetchOne(db, key: id).orThrow("article \(id)")
            let article = try StoredArticle(record, bytes: inflate(record.body, rawSize: record.rawSize, dictionaryID: record.dictionaryId, db))
            return FeedEntry(
                seq: seq, kind: .article, id: id, duplicateOf: nil, duplicateKind: nil, distance: nil,
                source: article.source, sha256: article.sha256, simhash: article.simhash,
                receivedAt: article.receivedAt, bytes: article.bytes)
        case .duplicate:
            let id = try event.duplicateId.orThrow("duplicate id in feed")
            let duplicate = try DuplicateRecord.fetchOne(db, key: id).orThrow("duplicate \(id)")
            return FeedEntry(
                seq: seq, kind: .duplicate, id: id, duplicateOf: duplicate.articleId,
                duplicateKind: duplicate.kind == .exact ? .exact : .near, distance: Int(duplicate.distance),
                containment: duplicate.containment, path: duplicate.matchedOn.flatMap(MatchPath.init(rawValue:)),
                source: duplicate.source, sha256: Array(duplicate.sha256),
                simhash: UInt64(bitPattern: duplicate.simhash), receivedAt: duplicate.receivedAt, bytes: nil)
        }
    }
}

extension StoredArticle {
    init(_ record: ArticleRecord, bytes: [UInt8]) throws {
        id = try record.id.orThrow("article id")
        source = record.source
        receivedAt = record.receivedAt
        sha256 = Array(record.sha256)
        simhash = UInt64(bitPattern: record.simhash)
        encoding = record.encoding
        rawSize = record.rawSize
        storedSize = record.storedSize
        self.bytes = bytes
    }
}
