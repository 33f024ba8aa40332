public import ArticleStore
public import DedupCore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// One batch, one transaction, under the global lock (see the type's comment). What the
    /// server knows of the batch is asked in three statements (claims, exact matches, equal
    /// leads) and its rows are written in one statement per table: the lock is held for a
    /// dozen round trips a batch, not several an item.
    public func ingest(_ items: [IngestItem], maxDistance: Int, releasing released: [String]) throws(StoreError) -> [IngestOutcome] {
        try loadReplicaIfNeeded()
        let prefetched = try prefetch(items, maxDistance: maxDistance)
        // A daemon's batch is committed as several transactions, each holding the lock briefly,
        // so other daemons' batches interleave. A failure part-way leaves the first parts
        // committed under their claims: the retry finds them (`alreadyIngested`), as after a
        // crash, and commits the rest.
        var outcomes: [IngestOutcome] = []
        var start = 0
        repeat {
            let part = Array(items[start..<min(items.count, start + Self.itemsPerTransaction)])
            outcomes += try ingest(part, maxDistance: maxDistance, releasing: start == 0 ? released : [], prefetched: prefetched)
            start += Self.itemsPerTransaction
        } while start < items.count
        return outcomes
    }

    /// Items per transaction: the global lock's hold grows with it (measured: 256 items held it
    /// ~90 ms at the median with three daemons on two cores; see the README's figures).
    static let itemsPerTransaction = 64

    private func ingest(_ items: [IngestItem], maxDistance: Int, releasing released: [String], prefetched: Prefetched) throws(StoreError)
        -> [IngestOutcome] {
        var added: [(candidate: Candidate, anchors: [UInt32])] = []
        var addedShingles: [Int64: ShingleSet] = [:]
        var addedBySha: [Data: Int64] = [:]
        var originals = prefetched.bytes
        var locked = ContinuousClock.now
        let (outcomes, lastSeq) = try writer.transaction { connection -> ([IngestOutcome], Int64) in
            try connection.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.lockKey))")
            locked = .now
            try catchUp(connection)
            if !released.isEmpty {
                try connection.execute("DELETE FROM claim WHERE key = ANY(\(released.map { ByteBuffer(data: ClaimBlob.encode($0)) }))")
            }
            let counters = try connection.rows("""
                SELECT (SELECT value FROM counter WHERE name = 'last_seq'), (SELECT value FROM counter WHERE name = 'last_id')
                """).first?.decode((Int64?, Int64?).self)
            var seq = counters?.0 ?? 0
            var nextId = counters?.1 ?? 0
            let known = try BatchLookups(items, connection)
            var rows = PendingItemRows()
            var outcomes: [IngestOutcome] = []
            for item in items {
                let claim = ClaimBlob.encode(item.claimKey)
                let sha = Data(item.fingerprint.sha256)
                if let recovered = try known.claimed[claim] ?? legacyRecovered(item, sha: sha, connection) {
                    outcomes.append(recovered)
                    continue
                }
                let exact = known.exact[sha] ?? addedBySha[sha]
                let leads = known.leads[Int64(bitPattern: item.fingerprint.leadSimhash)] ?? []
                let candidates = exact == nil
                    ? near(item.fingerprint, maxDistance: maxDistance, leads: leads) + added.filter {
                        SimHash.distance($0.candidate.simhash, item.fingerprint.simhash) <= maxDistance
                            || $0.candidate.leadSimhash == item.fingerprint.leadSimhash
                            || $0.anchors.contains(where: item.fingerprint.anchors.contains)
                    }.map(\.candidate)
                    : []
                var mine: [UInt64]?
                let verdict = try Verdict.decide(item.fingerprint, exactMatch: exact, candidates: candidates, maxDistance: maxDistance) { id in
                    if mine == nil { mine = item.shingles.hashes }
                    let theirs = try addedShingles[id] ?? prefetched.shingles[id] ?? shingles(of: id, connection)
                    return ShingleSet.containment(sorted: mine!, theirs.hashes)
                }
                seq += 1
                nextId += 1
                let id = nextId
                switch verdict {
                case .unique:
                    let body = try item.compressedBody ?? ZlibCodec.compress(item.bytes)
                    rows.article(item, id: id, seq: seq, body: body, dictionaryId: item.compressedBody == nil ? nil : item.dictionaryID)
                    added.append((Candidate(id: id, simhash: item.fingerprint.simhash, leadSimhash: item.fingerprint.leadSimhash),
                                  item.fingerprint.anchors))
                    addedShingles[id] = item.shingles
                    addedBySha[sha] = id
                    originals[id] = item.bytes
                    outcomes.append(.stored(articleId: id, seq: seq))
                case .exactDuplicate(let original), .nearDuplicate(let original, _, _, _):
                    var (kind, distance, containment, path): (DuplicateKind, Int, Double?, MatchPath?) = (.exact, 0, nil, nil)
                    if case .nearDuplicate(_, let d, let c, let p) = verdict { (kind, distance, containment, path) = (.near, d, c, p) }
                    if originals[original] == nil { originals[original] = try bytes(of: original, connection) }
                    let kept = try DuplicateBody.choose(for: item, original: original, originalBytes: originals[original])
                    rows.duplicate(item, id: id, seq: seq, of: original, kind: kind, distance: distance, containment: containment,
                                   path: path, kept: kept)
                    outcomes.append(.duplicate(duplicateId: id, of: original, kind: kind, distance: distance, containment: containment,
                                               path: path, seq: seq))
                }
                rows.claim(claim, id: id)
            }
            try rows.write(connection, lastSeq: seq, lastId: nextId)
            return (outcomes, seq)
        }
        // Committed, which let the lock go.
        let held = ContinuousClock.now - locked
        lockHolds.withLock { $0.append(Double(held.components.seconds) + Double(held.components.attoseconds) / 1e18) }
        // The replica follows (had the transaction failed, nothing was added).
        replica.withLock { replica in
            guard replica != nil else { return }
            for (article, anchors) in added {
                if let newest = replica?.index.lastId, article.id <= newest { replica = nil; return }
                replica?.index.insert(id: article.id, simhash: article.simhash, anchors: anchors)
            }
            replica?.seenSeq = lastSeq
            if replica?.index.isRebuildDue == true { replica?.index.rebuild() }
        }
        return outcomes
    }

    /// A file claimed under an older version's key (a SQLite store's, copied in) with this content.
    private func legacyRecovered(_ item: IngestItem, sha: Data, _ connection: PostgresSession.Connection) throws -> IngestOutcome? {
        guard let legacy = item.legacyClaimKey else { return nil }
        guard let row = try connection.rows("""
            SELECT i.seq, \(unescaped: BatchLookups.bytesKept) FROM claim c JOIN item i ON i.id = c.item_id
            WHERE c.key = \(ClaimBlob.encode(legacy)) AND i.sha256 = \(sha) AND i.raw_size = \(Int64(item.bytes.count))
            """).first else { return nil }
        let (seq, bytesKept) = try row.decode((Int64, Bool).self)
        return .alreadyIngested(seq: seq, bytesKept: bytesKept)
    }

    /// Articles near a fingerprint: the replica (whole text, anchors) and the server's articles
    /// with an equal lead (`leads`, asked for the whole batch at once).
    func near(_ fingerprint: Fingerprint, maxDistance: Int, leads: [Candidate]) -> [Candidate] {
        let simhash = fingerprint.simhash
        let (whole, parts) = replica.withLock { replica in
            (replica?.index.candidates(simhash: simhash, maxDistance: maxDistance) ?? [],
             replica?.index.partCandidates(anchors: fingerprint.anchors) ?? [])
        }
        var seen = Set(whole.map(\.id))
        return (whole + leads.filter { seen.insert($0.id).inserted } + parts.filter { seen.insert($0.id).inserted })
            .sorted { (SimHash.distance($0.simhash, simhash), $0.id) < (SimHash.distance($1.simhash, simhash), $1.id) }
    }

    /// A stored article's shingles, from its stored bytes, as at ingest.
    func shingles(of id: Int64, _ connection: PostgresSession.Connection) throws -> ShingleSet {
        guard let bytes = try bytes(of: id, connection) else {
            throw StoreError(message: "article \(id) has no stored bytes", kind: .corrupt)
        }
        let text = try TextDecoder.decode(bytes).text
        return try confirmationCache.withLock { cache in try Fingerprinter().analyze(text, cache: &cache).shingles }
    }

    /// An item's bytes as received (see `Store.bytes(of:)`: alone, with a dictionary, or
    /// against its base); nil when never kept.
    func bytes(of id: Int64, _ connection: PostgresSession.Connection, depth: Int = 0) throws -> [UInt8]? {
        guard let row = try connection.rows("""
            SELECT i.raw_size, i.base_id, b.dictionary_id, b.bytes FROM item i LEFT JOIN body b ON b.item_id = i.id WHERE i.id = \(id)
            """).first else { return nil }
        let (rawSize, base, dictionaryID, body) = try row.decode((Int64, Int64?, Int64?, Data?).self)
        return try KeptBytes(id: id, rawSize: rawSize, base: base, dictionaryID: dictionaryID, body: body).resolve(
            depth: depth, bytes: { try self.bytes(of: $0, connection, depth: $1) }
        ) { dictionaryID in try dictionary(dictionaryID, connection) }
    }

    /// A dictionary a body names; one another daemon trained is loaded on first meeting it.
    func dictionary(_ id: Int64, _ connection: PostgresSession.Connection) throws -> PresetDictionary {
        if dictionaries.withLock({ $0[id] }) == nil { try loadDictionaries(connection) }
        guard let dictionary = dictionaries.withLock({ $0[id] }) else {
            throw StoreError(message: "a body names dictionary \(id), which the store does not hold", kind: .corrupt)
        }
        return dictionary
    }
}
