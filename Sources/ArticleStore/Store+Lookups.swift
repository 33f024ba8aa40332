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
    /// Stored articles whose whole-text SimHash is within `maxDistance` or whose lead SimHash is
    /// equal, nearest first, with the article whose normalised text has `sha256` first of all,
    /// as exact.
    public func similar(sha256: [UInt8], simhash: UInt64, leadSimhash: UInt64, maxDistance: Int) throws(StoreError) -> [SimilarArticle] {
        do {
            return try pool.read { db in
                let exactId = try Int64.fetchOne(db, sql: "SELECT id FROM article WHERE sha256 = ?", arguments: [Data(sha256)])
                func describe(_ id: Int64) throws -> SimilarArticle {
                    let record = try ArticleRecord.fetchOne(db, key: id).orThrow("article \(id)")
                    let stored = UInt64(bitPattern: record.simhash)
                    return SimilarArticle(
                        id: id, distance: SimHash.distance(stored, simhash),
                        leadDistance: SimHash.distance(UInt64(bitPattern: record.leadSimhash), leadSimhash), exact: id == exactId,
                        source: record.source, receivedAt: record.receivedAt, simhash: stored)
                }
                let near = try nearCandidates(db, simhash: simhash, leadSimhash: leadSimhash, maxDistance: maxDistance)
                let found = try near.map(\.id).filter { $0 != exactId }.map(describe)
                    .sorted { ($0.distance, $0.leadDistance, $0.id) < ($1.distance, $1.leadDistance, $1.id) }
                return try (exactId.map { [try describe($0)] } ?? []) + found
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Stored articles whose whole-text SimHash is within `maxDistance` (the in-memory index, or
    /// SQLite's band indexes until it is loaded) or whose lead SimHash is equal (SQLite),
    /// nearest whole text first, then oldest.
    func nearCandidates(_ db: Database, simhash: UInt64, leadSimhash: UInt64, maxDistance: Int) throws -> [Candidate] {
        let whole = try memoryIndex.withLock { $0?.candidates(simhash: simhash, maxDistance: maxDistance) }
            ?? NearDuplicateQuery.wholeText(db, simhash: simhash, maxDistance: maxDistance)
        let ids = Set(whole.map(\.id))
        let leads = try NearDuplicateQuery.sameLead(db, leadSimhash: leadSimhash).filter { !ids.contains($0.id) }
        return (whole + leads).sorted { (SimHash.distance($0.simhash, simhash), $0.id) < (SimHash.distance($1.simhash, simhash), $1.id) }
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
