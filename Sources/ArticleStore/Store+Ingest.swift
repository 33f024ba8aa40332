public import DedupCore
import Foundation
import GRDB

/// One claimed, decoded and fingerprinted file, ready to be committed.
public struct IngestItem: Sendable {
    /// The file name as received.
    public var source: String
    /// Identifies this claimed file across a crash: see `FeedEventRecord`.
    public var claimKey: String
    /// For a file that was in processing/ before this pass: the key an older version recorded
    /// (device, inode, mtime, size). A row found under it counts only if its content matches.
    public var legacyClaimKey: String?
    /// The file's bytes, exactly as received.
    public var bytes: [UInt8]
    public var encoding: SourceEncoding
    public var fingerprint: Fingerprint
    /// The text's shingle hashes: what every near match is confirmed against.
    public var shingles: ShingleSet
    /// Milliseconds since 1970, UTC.
    public var receivedAt: Int64
    /// `bytes` zlib-compressed, when the caller did it outside the write transaction (the
    /// daemon compresses on every core while one thread commits); nil to compress at commit.
    public var compressedBody: [UInt8]?
    /// The preset dictionary `compressedBody` was compressed with; nil: none.
    public var dictionaryID: Int64?

    public init(source: String, claimKey: String, legacyClaimKey: String? = nil, bytes: [UInt8], encoding: SourceEncoding,
                fingerprint: Fingerprint, shingles: ShingleSet, receivedAt: Int64, compressedBody: [UInt8]? = nil,
                dictionaryID: Int64? = nil) {
        self.compressedBody = compressedBody
        self.dictionaryID = dictionaryID
        self.source = source
        self.claimKey = claimKey
        self.legacyClaimKey = legacyClaimKey
        self.bytes = bytes
        self.encoding = encoding
        self.fingerprint = fingerprint
        self.shingles = shingles
        self.receivedAt = receivedAt
    }
}

/// What the commit did with one item.
public enum IngestOutcome: Equatable, Sendable {
    case stored(articleId: Int64, seq: Int64)
    /// For a near duplicate, `containment` confirmed it and `path` found it; nil for exact ones.
    case duplicate(duplicateId: Int64, of: Int64, kind: DuplicateKind, distance: Int, containment: Double?, path: MatchPath?,
                   seq: Int64)
    /// The claim key was committed before: the daemon stopped between commit and move.
    case alreadyIngested(seq: Int64)
}

public enum DuplicateKind: String, Sendable, Codable { case exact, near }

// MARK: - Writes

extension Store {
    /// Commits the items in one `BEGIN IMMEDIATE` transaction: verdict, article or duplicate row,
    /// feed event and counters, all or nothing. Later items see the earlier ones of the batch.
    public func ingest(_ items: [IngestItem], maxDistance: Int) throws(StoreError) -> [IngestOutcome] {
        do {
            var added: [(candidate: Candidate, anchors: [UInt32])] = []
            // This batch's articles' shingles: a copy in the same batch is confirmed from
            // memory, not by reading back what was just written.
            var addedShingles: [Int64: ShingleSet] = [:]
            let outcomes = try pool.writeWithoutTransaction { db in
                var outcomes: [IngestOutcome] = []
                try db.inTransaction(.immediate) {
                    // Loaded before this batch writes anything, so it holds committed rows only.
                    try loadIndexIfNeeded(db)
                    var counts: [Counter: Int64] = [:]
                    outcomes = try items.map { item in
                        let outcome = try Self.ingest(item, maxDistance: maxDistance, counting: &counts, db, shingles: { id in
                            try addedShingles[id] ?? storedShingles(of: id, db)
                        }) { fingerprint in
                            // The index holds what is committed; this batch's own articles are checked here.
                            try nearCandidates(db, fingerprint, maxDistance: maxDistance) + added.filter {
                                SimHash.distance($0.candidate.simhash, fingerprint.simhash) <= maxDistance
                                    || $0.candidate.leadSimhash == fingerprint.leadSimhash
                                    || $0.anchors.contains(where: fingerprint.anchors.contains)
                            }.map(\.candidate)
                        }
                        if case .stored(let id, _) = outcome {
                            added.append((Candidate(id: id, simhash: item.fingerprint.simhash, leadSimhash: item.fingerprint.leadSimhash),
                                          item.fingerprint.anchors))
                            addedShingles[id] = item.shingles
                        }
                        return outcome
                    }
                    // The counters move once per batch, in the same transaction.
                    for (counter, amount) in counts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                        try Self.bump(counter, by: amount, db)
                    }
                    return .commit
                }
                return outcomes
            }
            // Committed: the index follows. (Had the transaction failed, nothing was added.)
            memoryIndex.withLock { index in
                for (article, anchors) in added {
                    guard index != nil else { return }
                    if let last = index?.lastId, article.id <= last { index = nil; return }  // out of step: reload later
                    index?.insert(id: article.id, simhash: article.simhash, anchors: anchors)
                }
            }
            rebuildIndexIfDue()
            return outcomes
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Loads the in-memory index from the article table, inside the writer's transaction.
    func loadIndexIfNeeded(_ db: Database) throws {
        guard memoryIndex.withLock({ $0 == nil }) else { return }
        var index = NearDuplicateIndex()
        try IndexScan.load(into: &index, db)
        index.rebuild()
        memoryIndex.withLock { $0 = index }
    }

    /// Loads the near-duplicate index now, its bucket lists built on every core (the daemon
    /// does so before it says it is ready, so the first batch does not wait for it).
    public func warmIndex() async throws(StoreError) {
        guard memoryIndex.withLock({ $0 == nil }) else { return }
        let index: NearDuplicateIndex
        do {
            // A read: the ids and fingerprints of one snapshot; the writer that calls this is the
            // only one that adds to the store, so nothing is added meanwhile.
            index = try await pool.read { db in
                var index = NearDuplicateIndex()
                try IndexScan.load(into: &index, db)
                return index
            }
        } catch {
            throw StoreError.wrap(error)
        }
        let built = await index.rebuilt()
        memoryIndex.withLock { if $0 == nil { $0 = built } }
    }

    /// Rebuilds the in-memory index when it is due, off to the side: a copy is rebuilt while
    /// lookups (`similar`) go on in the one in place, then swapped in. Called only by the
    /// writer (after a commit, after retention), one call at a time, so nothing is added to the
    /// index in place meanwhile. Both sets of bucket lists are held during the rebuild.
    func rebuildIndexIfDue() {
        guard var copy = memoryIndex.withLock({ $0?.isRebuildDue == true ? $0 : nil }) else { return }
        copy.rebuild()
        memoryIndex.withLock { $0 = copy }
    }

    /// One item of a batch. Every statement here is prepared once per connection and reused
    /// (compiling them per article cost more than the inserts); `counts` gathers the counter
    /// changes, written once for the batch.
    private static func ingest(
        _ item: IngestItem, maxDistance: Int, counting counts: inout [Counter: Int64], _ db: Database,
        shingles: (Int64) throws -> ShingleSet, near: (Fingerprint) throws -> [Candidate]
    ) throws -> IngestOutcome {
        if let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM feed WHERE claim_key = ?"), arguments: [item.claimKey]) {
            return .alreadyIngested(seq: seq)
        }
        let sha = Data(item.fingerprint.sha256)
        // An older version's key names only the inode, mtime and size, which a new file can
        // share with a pruned one: it counts only when the recorded item has this content.
        if let legacy = item.legacyClaimKey, let seq = try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT feed.seq FROM feed
            LEFT JOIN article ON feed.kind = 'article' AND article.id = feed.article_id
            LEFT JOIN duplicate ON feed.kind = 'duplicate' AND duplicate.id = feed.duplicate_id
            WHERE feed.claim_key = ? AND COALESCE(article.sha256, duplicate.sha256) = ?
                AND COALESCE(article.raw_size, duplicate.raw_size) = ?
            """), arguments: [legacy, sha, Int64(item.bytes.count)]) {
            return .alreadyIngested(seq: seq)
        }
        let exact = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM article WHERE sha256 = ?"), arguments: [sha])
        let candidates = exact == nil ? try near(item.fingerprint) : []
        var mine: [UInt64]?
        let verdict = try Verdict.decide(
            item.fingerprint, exactMatch: exact, candidates: candidates, maxDistance: maxDistance
        ) { id in
            // The item's own shingles are sorted once, however many candidates it has.
            if mine == nil { mine = item.shingles.hashes }
            return ShingleSet.containment(sorted: mine!, try shingles(id).hashes)
        }
        let simhash = Int64(bitPattern: item.fingerprint.simhash)

        switch verdict {
        case .unique:
            let body = try item.compressedBody ?? ZlibCodec.compress(item.bytes)
            let dictionaryID = item.compressedBody == nil ? nil : item.dictionaryID
            let bands = BandKey.bands(of: item.fingerprint.simhash).map(Int64.init)
            let leadBands = BandKey.bands(of: item.fingerprint.leadSimhash).map(Int64.init)
            // A record's insert is a statement GRDB prepares once per connection and reuses.
            try ArticleRecord(
                id: nil, sha256: sha, simhash: simhash, band0: bands[0], band1: bands[1], band2: bands[2], band3: bands[3],
                leadSimhash: Int64(bitPattern: item.fingerprint.leadSimhash), leadBand0: leadBands[0], leadBand1: leadBands[1],
                leadBand2: leadBands[2], leadBand3: leadBands[3], source: item.source, receivedAt: item.receivedAt,
                encoding: item.encoding.rawValue, rawSize: Int64(item.bytes.count), storedSize: Int64(body.count),
                tokenCount: Int64(item.fingerprint.tokenCount), body: Data(body), dictionaryId: dictionaryID
            ).insert(db)
            let articleId = db.lastInsertedRowID
            try AnchorRecord(articleId: articleId, anchors: AnchorBlob.encode(item.fingerprint.anchors)).insert(db)
            let seq = try appendFeed(.article, articleId: articleId, duplicateId: nil, claimKey: item.claimKey, db)
            counts[.articles, default: 0] += 1
            counts[.rawBytes, default: 0] += Int64(item.bytes.count)
            counts[.storedBytes, default: 0] += Int64(body.count)
            return .stored(articleId: articleId, seq: seq)

        case .exactDuplicate(let original), .nearDuplicate(let original, _, _, _):
            var (kind, distance, containment, path): (DuplicateRecord.Kind, Int, Double?, MatchPath?) = (.exact, 0, nil, nil)
            if case .nearDuplicate(_, let d, let c, let p) = verdict { (kind, distance, containment, path) = (.near, d, c, p) }
            let duplicateId = try insertDuplicate(DuplicateRecord(
                id: nil, articleId: original, kind: kind, distance: Int64(distance), sha256: sha, simhash: simhash,
                source: item.source, receivedAt: item.receivedAt, rawSize: Int64(item.bytes.count), containment: containment,
                matchedOn: path?.rawValue), db)
            let seq = try appendFeed(.duplicate, articleId: original, duplicateId: duplicateId, claimKey: item.claimKey, db)
            counts[kind == .exact ? .exactDuplicates : .nearDuplicates, default: 0] += 1
            return .duplicate(
                duplicateId: duplicateId, of: original, kind: kind == .exact ? .exact : .near,
                distance: distance, containment: containment, path: path, seq: seq)
        }
    }

    /// Inserts a duplicate row and returns its id (ingest and reindex's merges).
    static func insertDuplicate(_ record: DuplicateRecord, _ db: Database) throws -> Int64 {
        try record.insert(db)
        return db.lastInsertedRowID
    }

    /// Appends a feed event and returns its sequence number.
    private static func appendFeed(_ kind: FeedEventRecord.Kind, articleId: Int64, duplicateId: Int64?, claimKey: String,
                                   _ db: Database) throws -> Int64 {
        try FeedEventRecord(seq: nil, kind: kind, articleId: articleId, duplicateId: duplicateId, claimKey: claimKey).insert(db)
        return db.lastInsertedRowID
    }

    /// The shingles of a stored article, from its stored bytes: decompressed, decoded and
    /// analysed exactly as at ingest. Every near candidate comes here once.
    func storedShingles(of id: Int64, _ db: Database) throws -> ShingleSet {
        let statement = try db.cachedStatement(sql: "SELECT body, raw_size, dictionary_id FROM article WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id]) else {
            throw StoreError(message: "article \(id) vanished during ingest", isFatal: false)
        }
        let bytes = try inflate(row[0], rawSize: row[1], dictionaryID: row[2], db)
        let text = try TextDecoder.decode(bytes).text
        return try confirmationCache.withLock { cache in try Fingerprinter().analyze(text, cache: &cache).shingles }
    }

    /// Counts a file that went to quarantine, so `status` can report it.
    public func recordQuarantine(name: String, reason: String, at: Int64) throws(StoreError) {
        do {
            try pool.write { db in
                try QuarantineRecord(id: nil, name: name, reason: reason, at: at).insert(db)
                try Self.bump(.quarantined, db)
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    static func bump(_ counter: Counter, by amount: Int64 = 1, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE counter SET value = value + ? WHERE name = ?").execute(arguments: [amount, counter.rawValue])
    }
}

extension Optional {
    func orThrow(_ what: String) throws -> Wrapped {
        guard let self else { throw StoreError(message: "SQLite returned no \(what)", isFatal: true) }
        return self
    }
}
