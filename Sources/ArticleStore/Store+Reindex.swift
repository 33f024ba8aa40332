import DedupCore
import Foundation
import GRDB

/// What `reindex` did.
public struct ReindexReport: Sendable, Equatable {
    /// Articles refingerprinted.
    public var articles = 0
    /// Articles whose normalised text now equals an older article's (the new algorithm strips
    /// what the old one kept, markup for instance): each became an exact duplicate of the older
    /// one, its feed record turned into a duplicate record, its bytes dropped.
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
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM article") ?? 0
            }
            var lastId: Int64 = 0
            var cache: NormalizationCache? = NormalizationCache()
            var gone: Set<Int64> = []  // merged into an older article before their turn came
            while true {
                let done = try store.pool.write { db -> Bool in
                    let rows = try Row.fetchAll(db, sql: """
                        SELECT id, body, raw_size, band0, dictionary_id FROM article WHERE id > ? ORDER BY id LIMIT 500
                        """, arguments: [lastId])
                    for row in rows {
                        let id: Int64 = row[0]
                        lastId = id
                        guard !gone.contains(id) else { continue }
                        let bytes = try store.inflate(row[1], rawSize: row[2], dictionaryID: row[4], db)
                        let fingerprint = try Fingerprinter().analyze(TextDecoder.decode(bytes).text, cache: &cache).fingerprint
                        report.articles += 1
                        // An article retired by retention (band keys -1) stays out of the index.
                        if let merged = try refingerprint(id, fingerprint, indexed: (row[3] as Int64) >= 0, db) {
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
    private static func refingerprint(_ id: Int64, _ fingerprint: Fingerprint, indexed: Bool, _ db: Database) throws -> Int64? {
        let sha = Data(fingerprint.sha256)
        var mergedAway: Int64?
        if let other = try Int64.fetchOne(db, sql: "SELECT id FROM article WHERE sha256 = ? AND id != ?", arguments: [sha, id]) {
            let (keeper, merged) = (min(id, other), max(id, other))
            try merge(merged, into: keeper, db)
            if merged == id { return id }
            mergedAway = merged
        }
        let bands = indexed ? BandKey.bands(of: fingerprint.simhash).map { Int64($0) } : [-1, -1, -1, -1]
        let lead = indexed ? BandKey.bands(of: fingerprint.leadSimhash).map { Int64($0) } : [-1, -1, -1, -1]
        try db.execute(sql: """
            UPDATE article SET sha256 = ?, simhash = ?, band0 = ?, band1 = ?, band2 = ?, band3 = ?,
                lead_simhash = ?, lead_band0 = ?, lead_band1 = ?, lead_band2 = ?, lead_band3 = ?, token_count = ?
            WHERE id = ?
            """, arguments: [
                sha, Int64(bitPattern: fingerprint.simhash), bands[0], bands[1], bands[2], bands[3],
                Int64(bitPattern: fingerprint.leadSimhash), lead[0], lead[1], lead[2], lead[3], fingerprint.tokenCount, id,
            ])
        try AnchorRecord(articleId: id, anchors: AnchorBlob.encode(fingerprint.anchors)).insert(db, onConflict: .replace)
        return mergedAway
    }

    /// `merged` becomes an exact duplicate of `keeper`: its duplicates and feed records follow,
    /// and its row goes, with the counters adjusted.
    private static func merge(_ merged: Int64, into keeper: Int64, _ db: Database) throws {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT sha256, simhash, source, received_at, raw_size, stored_size FROM article WHERE id = ?
            """, arguments: [merged]) else { return }
        try db.execute(sql: "UPDATE duplicate SET article_id = ? WHERE article_id = ?", arguments: [keeper, merged])
        let duplicateId = try insertDuplicate(DuplicateRecord(
            id: nil, articleId: keeper, kind: .exact, distance: 0, sha256: row[0], simhash: row[1], source: row[2],
            receivedAt: row[3], rawSize: row[4], containment: nil, matchedOn: nil), db)
        try db.execute(sql: """
            UPDATE feed SET kind = 'duplicate', article_id = ?, duplicate_id = ? WHERE kind = 'article' AND article_id = ?
            """, arguments: [keeper, duplicateId, merged])
        try db.execute(sql: "UPDATE feed SET article_id = ? WHERE article_id = ?", arguments: [keeper, merged])
        try db.execute(sql: "DELETE FROM article WHERE id = ?", arguments: [merged])
        try bump(.articles, by: -1, db)
        try bump(.exactDuplicates, db)
        try bump(.rawBytes, by: -(row[4] as Int64), db)
        try bump(.storedBytes, by: -(row[5] as Int64), db)
    }
}
