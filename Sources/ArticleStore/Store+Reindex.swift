import DedupCore
import Foundation
import GRDB

/// What `reindex` did.
public struct ReindexReport: Sendable, Equatable {
    /// Articles refingerprinted.
    public var articles = 0
    /// Articles whose normalised text now equals an older article's (the new algorithm strips
    /// what the old one kept, markup for instance): each became an exact duplicate of the older
    /// one (its id, seq and bytes stay; its duplicates follow it to the older one).
    public var merged = 0
    /// The parameters found before, for the report.
    public var previous: [String: String] = [:]
}

extension Store {
    /// Refingerprints every stored article from its stored bytes with this build's algorithm
    /// and parameters, then records them in meta so the store opens again. Batches of 500 in
    /// their own transactions: a crash part-way leaves meta at the old values, the store is
    /// still refused, and running reindex again finishes the job (it recomputes everything).
    /// The daemon must not be running.
    public static func reindex(path: String, progress: (Int, Int) -> Void = { _, _ in }) throws(StoreError) -> ReindexReport {
        guard access(path, F_OK) == 0 else { throw StoreError(message: "no store at \(path)", isFatal: true) }
        let store = try Store(path: path, expecting: nil, checkingParameters: false)
        defer { try? store.close() }
        do {
            var report = ReindexReport()
            let total = try store.pool.read { db in
                report.previous = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM meta")
                    .map { ($0[0] as String, $0[1] as String) }.filter { metaParameters[$0.0] != nil })
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item WHERE original_id IS NULL") ?? 0
            }
            var lastId: Int64 = 0
            var cache: NormalizationCache? = NormalizationCache()
            var gone: Set<Int64> = []  // merged into an older article before their turn came
            while true {
                let done = try store.pool.write { db -> Bool in
                    let rows = try Row.fetchAll(db, sql: """
                        SELECT id, indexed FROM item WHERE id > ? AND original_id IS NULL ORDER BY id LIMIT 500
                        """, arguments: [lastId])
                    for row in rows {
                        let id: Int64 = row[0]
                        lastId = id
                        guard !gone.contains(id) else { continue }
                        let bytes = try store.bytes(of: id, db).orThrow("bytes of article \(id)")
                        let fingerprint = try Fingerprinter().analyze(TextDecoder.decode(bytes).text, cache: &cache).fingerprint
                        report.articles += 1
                        if let merged = try refingerprint(id, fingerprint, db) {
                            report.merged += 1
                            gone.insert(merged)
                        }
                    }
                    if rows.isEmpty {
                        for (key, value) in metaParameters {
                            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
                        }
                    }
                    return rows.isEmpty
                }
                progress(report.articles, total)
                if done { break }
            }
            return report
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Writes one article's new fingerprint. When another article already has its new SHA-256,
    /// the newer of the two is merged into the older; returns the id merged away, if any.
    private static func refingerprint(_ id: Int64, _ fingerprint: Fingerprint, _ db: Database) throws -> Int64? {
        let sha = Data(fingerprint.sha256)
        var mergedAway: Int64?
        if let other = try Int64.fetchOne(db, sql: """
            SELECT id FROM item WHERE substr(sha256, 1, 8) = ? AND original_id IS NULL AND sha256 = ? AND id != ?
            """, arguments: [sha.prefix(8), sha, id]) {
            let (keeper, merged) = (min(id, other), max(id, other))
            try merge(merged, into: keeper, db)
            if merged == id { return id }
            mergedAway = merged
        }
        try db.execute(sql: "UPDATE item SET sha256 = ?, simhash = ?, lead_simhash = ? WHERE id = ?", arguments: [
            sha, Int64(bitPattern: fingerprint.simhash), Int64(bitPattern: fingerprint.leadSimhash), id,
        ])
        try AnchorRecord(itemId: id, keys: AnchorBlob.encode(fingerprint.anchors)).insert(db, onConflict: .replace)
        return mergedAway
    }

    /// `merged` becomes an exact duplicate of `keeper`, its duplicates with it; it keeps its
    /// id, seq and body (so what was kept against it stays readable).
    private static func merge(_ merged: Int64, into keeper: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE item SET original_id = ? WHERE original_id = ?", arguments: [keeper, merged])
        try db.execute(sql: """
            UPDATE item SET original_id = ?, kind = 'exact', distance = 0, lead_simhash = NULL, indexed = 0 WHERE id = ?
            """, arguments: [keeper, merged])
        try db.execute(sql: "DELETE FROM anchor WHERE item_id = ?", arguments: [merged])
        try bump(.articles, by: -1, db)
        try bump(.exactDuplicates, db)
    }
}
