public import DedupCore
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
    /// How it was found, for a non-exact match: a candidate until its containment confirms it.
    public var path: MatchPath?
    public var source: String
    public var receivedAt: Int64
    public var simhash: UInt64

    public init(id: Int64, distance: Int, leadDistance: Int, exact: Bool, path: MatchPath?, source: String, receivedAt: Int64, simhash: UInt64) {
        self.id = id
        self.distance = distance
        self.leadDistance = leadDistance
        self.exact = exact
        self.path = path
        self.source = source
        self.receivedAt = receivedAt
        self.simhash = simhash
    }

    /// A stored article as `similar` lists it: its distances to `fingerprint` and the path
    /// ingest would find it by; nil for a candidate ingest would never confirm (the exact match
    /// is always listed). Both stores describe their rows with it.
    public init?(id: Int64, simhash: UInt64, leadSimhash: UInt64, source: String, receivedAt: Int64, exact: Bool,
                 of fingerprint: Fingerprint, maxDistance: Int) {
        var path: MatchPath?
        if !exact {
            guard let found = MatchPath(simhash: simhash, leadSimhash: leadSimhash, of: fingerprint, maxDistance: maxDistance) else {
                return nil
            }
            path = found
        }
        self.init(id: id, distance: SimHash.distance(simhash, fingerprint.simhash),
                  leadDistance: SimHash.distance(leadSimhash, fingerprint.leadSimhash), exact: exact, path: path, source: source,
                  receivedAt: receivedAt, simhash: simhash)
    }

    /// `similar`'s answer: the exact match first, then the other candidates nearest first.
    public static func listing(exact: Int64?, candidates: [Int64], _ describe: (Int64) throws -> SimilarArticle?) rethrows
        -> [SimilarArticle] {
        let found = try candidates.filter { $0 != exact }.compactMap(describe)
            .sorted { ($0.distance, $0.leadDistance, $0.id) < ($1.distance, $1.leadDistance, $1.id) }
        return try (exact.flatMap(describe).map { [$0] } ?? []) + found
    }
}

/// A file recorded as a duplicate of an article (`duplicates`).
public struct DuplicateEntry: Sendable, Equatable {
    public var id: Int64
    public var kind: DuplicateKind
    public var distance: Int
    public var containment: Double?
    /// For a near duplicate: the path that found it (nil in rows older stores recorded as exact).
    public var path: MatchPath?
    public var source: String
    public var receivedAt: Int64
    public var sha256: [UInt8]
    public var simhash: UInt64

    public init(id: Int64, kind: DuplicateKind, distance: Int, containment: Double?, path: MatchPath?, source: String, receivedAt: Int64, sha256: [UInt8], simhash: UInt64) {
        self.id = id
        self.kind = kind
        self.distance = distance
        self.containment = containment
        self.path = path
        self.source = source
        self.receivedAt = receivedAt
        self.sha256 = sha256
        self.simhash = simhash
    }
}

// MARK: - Reads

extension Store {
    /// Stored articles whose whole-text SimHash is within `maxDistance`, whose lead SimHash is
    /// equal or that share an anchor: candidates, nearest first, with the article whose
    /// normalised text has the fingerprint's SHA-256 first of all, as exact.
    public func similar(_ fingerprint: Fingerprint, maxDistance: Int) throws(StoreError) -> [SimilarArticle] {
        do {
            return try pool.read { db in
                let exactId = try Self.exactMatch(Data(fingerprint.sha256), db)
                let near = try nearCandidates(db, fingerprint, maxDistance: maxDistance)
                return try SimilarArticle.listing(exact: exactId, candidates: near.map(\.id)) { id in
                    let record = try ItemRecord.fetchOne(db, key: id).orThrow("article \(id)")
                    return SimilarArticle(id: id, simhash: UInt64(bitPattern: record.simhash),
                                          leadSimhash: UInt64(bitPattern: record.leadSimhash ?? 0), source: record.source,
                                          receivedAt: record.receivedAt, exact: id == exactId, of: fingerprint, maxDistance: maxDistance)
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Stored articles whose whole-text SimHash is within `maxDistance` (the in-memory index, or
    /// a scan of the window's fingerprints until it is loaded), whose lead SimHash is equal (SQLite), or that
    /// share an anchor (the in-memory index only: the daemon loads it before it says it is
    /// ready), nearest whole text first, then oldest. Candidates only: `Verdict.decide`
    /// confirms them.
    func nearCandidates(_ db: Database, _ fingerprint: Fingerprint, maxDistance: Int) throws -> [Candidate] {
        let simhash = fingerprint.simhash
        let (indexed, parts) = memoryIndex.withLock { index in
            (index?.candidates(simhash: simhash, maxDistance: maxDistance), index?.partCandidates(anchors: fingerprint.anchors) ?? [])
        }
        let whole = try indexed ?? NearDuplicateQuery.wholeText(db, simhash: simhash, maxDistance: maxDistance)
        var seen = Set(whole.map(\.id))
        let leads = try NearDuplicateQuery.sameLead(db, leadSimhash: fingerprint.leadSimhash).filter { seen.insert($0.id).inserted }
        return (whole + leads + parts.filter { seen.insert($0.id).inserted })
            .sorted { (SimHash.distance($0.simhash, simhash), $0.id) < (SimHash.distance($1.simhash, simhash), $1.id) }
    }

    /// The duplicates recorded for article `id`, oldest first; nil when there is no such article
    /// (an item that is itself a duplicate included).
    public func duplicates(of id: Int64) throws(StoreError) -> [DuplicateEntry]? {
        do {
            return try pool.read { db in
                guard try ItemRecord.filter(key: id).filter(Column("original_id") == nil).isEmpty(db) == false else { return nil }
                return try ItemRecord.filter(Column("original_id") == id).order(Column("id")).fetchAll(db).map {
                    DuplicateEntry(
                        id: try $0.id.orThrow("duplicate id"), kind: $0.kind ?? .exact,
                        distance: Int($0.distance ?? 0), containment: $0.containment, path: $0.matchedOn.flatMap(MatchPath.init(rawValue:)),
                        source: $0.source, receivedAt: $0.receivedAt,
                        sha256: Array($0.sha256), simhash: UInt64(bitPattern: $0.simhash))
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
