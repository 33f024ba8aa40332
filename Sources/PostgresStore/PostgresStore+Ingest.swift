public import ArticleStore
public import DedupCore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// One batch, one transaction, under the global lock (see the type's comment).
    public func ingest(_ items: [IngestItem], maxDistance: Int, releasing released: [String]) throws(StoreError) -> [IngestOutcome] {
        try loadReplicaIfNeeded()
        var added: [(candidate: Candidate, anchors: [UInt32])] = []
        var addedShingles: [Int64: ShingleSet] = [:]
        var originals: [Int64: [UInt8]] = [:]
        let (outcomes, lastSeq) = try writer.transaction { connection -> ([IngestOutcome], Int64) in
            try connection.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.lockKey))")
            try catchUp(connection)
            for key in released { try connection.execute("DELETE FROM claim WHERE key = \(ClaimBlob.encode(key))") }
            var seq = try connection.value("SELECT value FROM counter WHERE name = 'last_seq'", as: Int64.self) ?? 0
            var nextId = try connection.value("SELECT value FROM counter WHERE name = 'last_id'", as: Int64.self) ?? 0
            var counts: [String: Int64] = [:]
            var outcomes: [IngestOutcome] = []
            for item in items {
                let claim = ClaimBlob.encode(item.claimKey)
                let sha = Data(item.fingerprint.sha256)
                if let recovered = try recovered(claim, legacy: item.legacyClaimKey, sha: sha, size: item.bytes.count, connection) {
                    outcomes.append(recovered)
                    continue
                }
                let exact = try connection.value("SELECT id FROM item WHERE sha256 = \(sha) AND original_id IS NULL", as: Int64.self)
                let candidates = try exact == nil
                    ? near(item.fingerprint, maxDistance: maxDistance, connection) + added.filter {
                        SimHash.distance($0.candidate.simhash, item.fingerprint.simhash) <= maxDistance
                            || $0.candidate.leadSimhash == item.fingerprint.leadSimhash
                            || $0.anchors.contains(where: item.fingerprint.anchors.contains)
                    }.map(\.candidate)
                    : []
                var mine: [UInt64]?
                let verdict = try Verdict.decide(item.fingerprint, exactMatch: exact, candidates: candidates, maxDistance: maxDistance) { id in
                    if mine == nil { mine = item.shingles.hashes }
                    let theirs = try addedShingles[id] ?? shingles(of: id, connection)
                    return ShingleSet.containment(sorted: mine!, theirs.hashes)
                }
                seq += 1
                nextId += 1
                let id = nextId
                let simhash = Int64(bitPattern: item.fingerprint.simhash)
                switch verdict {
                case .unique:
                    let lead = Int64(bitPattern: item.fingerprint.leadSimhash)
                    try connection.execute("""
                        INSERT INTO item(id, seq, sha256, simhash, lead_simhash, indexed, source, received_at, encoding, raw_size)
                        VALUES (\(id), \(seq), \(sha), \(simhash), \(lead), true, \(item.source), \(item.receivedAt),
                                \(item.encoding.rawValue), \(Int64(item.bytes.count)))
                        """)
                    let body = Data(try item.compressedBody ?? ZlibCodec.compress(item.bytes))
                    let dictionary = item.compressedBody == nil ? nil : item.dictionaryID
                    try connection.execute("INSERT INTO body(item_id, dictionary_id, bytes) VALUES (\(id), \(dictionary), \(body))")
                    try connection.execute("INSERT INTO anchor(item_id, keys) VALUES (\(id), \(AnchorBlob.encode(item.fingerprint.anchors)))")
                    counts["articles", default: 0] += 1
                    counts["stored_bytes", default: 0] += Int64(body.count)
                    added.append((Candidate(id: id, simhash: item.fingerprint.simhash, leadSimhash: item.fingerprint.leadSimhash),
                                  item.fingerprint.anchors))
                    addedShingles[id] = item.shingles
                    originals[id] = item.bytes
                    outcomes.append(.stored(articleId: id, seq: seq))
                case .exactDuplicate(let original), .nearDuplicate(let original, _, _, _):
                    var (kind, distance, containment, path): (DuplicateKind, Int, Double?, MatchPath?) = (.exact, 0, nil, nil)
                    if case .nearDuplicate(_, let d, let c, let p) = verdict { (kind, distance, containment, path) = (.near, d, c, p) }
                    if originals[original] == nil { originals[original] = try bytes(of: original, connection) }
                    let kept = try DuplicateBody.choose(for: item, original: original, originalBytes: originals[original])
                    try connection.execute("""
                        INSERT INTO item(id, seq, original_id, kind, distance, containment, matched_on, sha256, simhash, source,
                                         received_at, encoding, raw_size, base_id)
                        VALUES (\(id), \(seq), \(original), \(kind.rawValue), \(distance), \(containment), \(path?.rawValue), \(sha),
                                \(simhash), \(item.source), \(item.receivedAt), \(item.encoding.rawValue), \(Int64(item.bytes.count)),
                                \(kept.baseId))
                        """)
                    if let bytes = kept.bytes {
                        try connection.execute("""
                            INSERT INTO body(item_id, dictionary_id, bytes) VALUES (\(id), \(kept.dictionaryId), \(Data(bytes)))
                            """)
                        counts["stored_bytes", default: 0] += Int64(bytes.count)
                    }
                    counts[kind == .exact ? "exact_duplicates" : "near_duplicates", default: 0] += 1
                    outcomes.append(.duplicate(duplicateId: id, of: original, kind: kind, distance: distance, containment: containment,
                                               path: path, seq: seq))
                }
                try connection.execute("INSERT INTO claim(key, item_id) VALUES (\(claim), \(id))")
                counts["raw_bytes", default: 0] += Int64(item.bytes.count)
            }
            counts["last_seq"] = seq
            counts["last_id"] = nextId
            for (name, amount) in counts.sorted(by: { $0.key < $1.key }) {
                if name == "last_seq" || name == "last_id" {
                    try connection.execute("UPDATE counter SET value = \(amount) WHERE name = \(name)")
                } else {
                    try connection.execute("UPDATE counter SET value = value + \(amount) WHERE name = \(name)")
                }
            }
            return (outcomes, seq)
        }
        // Committed: the replica follows (had the transaction failed, nothing was added).
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

    /// The item a claim (or an older version's claim, with this content) was committed under.
    private func recovered(_ claim: Data, legacy: String?, sha: Data, size: Int, _ connection: PostgresSession.Connection) throws
        -> IngestOutcome? {
        let kept = "(i.original_id IS NULL OR i.base_id IS NOT NULL OR EXISTS (SELECT 1 FROM body b WHERE b.item_id = i.id))"
        if let row = try connection.rows("""
            SELECT i.seq, \(unescaped: kept) FROM claim c JOIN item i ON i.id = c.item_id WHERE c.key = \(claim)
            """).first {
            let (seq, bytesKept) = try row.decode((Int64, Bool).self)
            return .alreadyIngested(seq: seq, bytesKept: bytesKept)
        }
        guard let legacy else { return nil }
        if let row = try connection.rows("""
            SELECT i.seq, \(unescaped: kept) FROM claim c JOIN item i ON i.id = c.item_id
            WHERE c.key = \(ClaimBlob.encode(legacy)) AND i.sha256 = \(sha) AND i.raw_size = \(Int64(size))
            """).first {
            let (seq, bytesKept) = try row.decode((Int64, Bool).self)
            return .alreadyIngested(seq: seq, bytesKept: bytesKept)
        }
        return nil
    }

    /// Articles near a fingerprint: the replica (whole text, anchors) and the server (equal lead).
    func near(_ fingerprint: Fingerprint, maxDistance: Int, _ connection: PostgresSession.Connection) throws -> [Candidate] {
        let simhash = fingerprint.simhash
        let (whole, parts) = replica.withLock { replica in
            (replica?.index.candidates(simhash: simhash, maxDistance: maxDistance) ?? [],
             replica?.index.partCandidates(anchors: fingerprint.anchors) ?? [])
        }
        var seen = Set(whole.map(\.id))
        let leads = try connection.rows("""
            SELECT id, simhash FROM item WHERE lead_simhash = \(Int64(bitPattern: fingerprint.leadSimhash)) AND indexed
            """).map { row in
            let (id, simhash) = try row.decode((Int64, Int64).self)
            return Candidate(id: id, simhash: UInt64(bitPattern: simhash), leadSimhash: fingerprint.leadSimhash)
        }.filter { seen.insert($0.id).inserted }
        return (whole + leads + parts.filter { seen.insert($0.id).inserted })
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
        ) { dictionaryID in
            if dictionaries.withLock({ $0[dictionaryID] }) == nil { try loadDictionaries(connection) }
            guard let dictionary = dictionaries.withLock({ $0[dictionaryID] }) else {
                throw StoreError(message: "a body names dictionary \(dictionaryID), which the store does not hold", kind: .corrupt)
            }
            return dictionary
        }
    }
}
