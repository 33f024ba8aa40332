import DedupCore
import Foundation
import GRDB

/// A stored article near a fingerprint (`similar`).
public struct SimilarArticle: Sendable, Equatable {
    public var id: Int64
    /// Whole-text SimHash distance.
    public var distance: Int
    /// Lead SimHash distance.
    public var leadDistance: Int
    public var exact: Bool
    public var source: String
    public var receivedAt: Int64
    public var simhash: UInt64
}

/// A file recorded as a duplicate of an article (`duplicates`).
public struct DuplicateEntry: Sendable, Equatable {
    public var id: Int64
    public var kind: DuplicateKind
    public var distance: Int
    public var containment: Double?
    public var source: String
    public var receivedAt: Int64
    public var sha256: [UInt8]
    public var simhash: UInt64
}

// MARK: - Reads

extension Store {
    /// Stored articles whose whole-text or lead SimHash is within `maxDistance` (through the
    /// band indexes), nearest first, with the article whose normalised text has `sha256` first
    /// of all, as exact.
    public func similar(sha256: [UInt8], simhash: UInt64, leadSimhash: UInt64, maxDistance: Int) throws(StoreError) -> [SimilarArticle] {
        do {
            return try pool.read { db in
                let exactId = try Int64.fetchOne(db, sql: "SELECT id FROM article WHERE sha256 = ?", arguments: [Data(sha256)])
                let near = try memoryIndex.withLock { $0?.candidates(simhash: simhash, leadSimhash: leadSimhash, maxDistance: maxDistance) }
                    ?? NearDuplicateQuery.candidates(db, simhash: simhash, leadSimhash: leadSimhash, maxDistance: maxDistance)
                var ids = near.map(\.id)
                if let exactId { ids.removeAll { $0 == exactId }; ids.insert(exactId, at: 0) }
                return try ids.map { id in
                    let record = try ArticleRecord.fetchOne(db, key: id).orThrow("article \(id)")
                    let stored = UInt64(bitPattern: record.simhash)
                    return SimilarArticle(
                        id: id, distance: SimHash.distance(stored, simhash),
                        leadDistance: SimHash.distance(UInt64(bitPattern: record.leadSimhash), leadSimhash), exact: id == exactId,
                        source: record.source, receivedAt: record.receivedAt, simhash: stored)
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// The duplicates recorded for article `id`, oldest first; nil when there is no such article.
    public func duplicates(of id: Int64) throws(StoreError) -> [DuplicateEntry]? {
        do {
            return try pool.read { db in
                guard try ArticleRecord.exists(db, key: id) else { return nil }
                return try DuplicateRecord.filter(DuplicateRecord.Columns.articleId == id).order(Column("id")).fetchAll(db).map {
                    DuplicateEntry(
                        id: try $0.id.orThrow("duplicate id"), kind: $0.kind == .exact ? .exact : .near,
                        distance: Int($0.distance), containment: $0.containment, source: $0.source, receivedAt: $0.receivedAt,
                        sha256: Array($0.sha256), simhash: UInt64(bitPattern: $0.simhash))
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
