public import DedupCore
import Foundation
import GRDB

/// One claimed, decoded and fingerprinted file, ready to be committed.
public struct IngestItem: Sendable {
    /// The file name as received.
    public var source: String
    /// Identifies this claimed file across a crash, while its batch is in processing/.
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
    /// `bytesKept` false: its item kept no bytes (a duplicate committed before schema 7), so the
    /// file is the only copy of them.
    case alreadyIngested(seq: Int64, bytesKept: Bool = true)
}

public enum DuplicateKind: String, Sendable, Codable { case exact, near }

// MARK: - Writes

extension Store {
    /// Commits the items in one `BEGIN IMMEDIATE` transaction: verdict, the item's row (an
    /// article, or a duplicate of one) with its feed seq, its bytes, its claim, and the counters,
    /// all or nothing. Later items see the earlier ones of the batch.
    ///
    /// `releasing` names claim keys of files whose batch has left processing/ for good: their
    /// claims are deleted in the same transaction (nothing can be recovered under them again).
    public func ingest(_ items: [IngestItem], maxDistance: Int, releasing released: [String] = []) throws(StoreError)
        -> [IngestOutcome] {
        do {
            var added: [(candidate: Candidate, anchors: [UInt32])] = []
            // This batch's articles' shingles: a copy in the same batch is confirmed from
            // memory, not by reading back what was just written.
            var addedShingles: [Int64: ShingleSet] = [:]
            // Their bytes too, and those of stored originals read once: a duplicate's delta is
            // compressed against its original's bytes.
            var originals: [Int64: [UInt8]] = [:]
            let outcomes = try pool.writeWithoutTransaction { db in
                var outcomes: [IngestOutcome] = []
                try db.inTransaction(.immediate) {
                    // Loaded before this batch writes anything, so it holds committed rows only.
                    try loadIndexIfNeeded(db)
                    let release = try db.cachedStatement(sql: "DELETE FROM claim WHERE key = ?")
                    for key in released { try release.execute(arguments: [ClaimBlob.encode(key)]) }
                    var counts: [Counter: Int64] = [:]
                    let lastSeq = try Int64.fetchOne(db, sql: "SELECT value FROM counter WHERE name = 'last_seq'") ?? 0
                    outcomes = try items.map { item in
                        let context = ItemContext(lastSeq: lastSeq, shingles: { id in
                            try addedShingles[id] ?? self.storedShingles(of: id, db)
                        }, bytes: { id in
                            if let known = originals[id] { return known }
                            let read = try self.bytes(of: id, db)
                            originals[id] = read
                            return read
                        })
                        let outcome = try Self.ingest(item, maxDistance: maxDistance, counting: &counts, db, context) { fingerprint in
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
                            originals[id] = item.bytes
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

    /// Loads the in-memory index from the item and anchor tables, inside the writer's transaction.
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

    /// What one item's commit reads besides its own row: the batch's first seq, and the
    /// shingles and bytes of an article (this batch's from memory, older ones from the store).
    private struct ItemContext {
        var lastSeq: Int64
        var shingles: (Int64) throws -> ShingleSet
        var bytes: (Int64) throws -> [UInt8]?
    }

    /// One item of a batch. Every statement here is prepared once per connection and reused
    /// (compiling them per article cost more than the inserts); `counts` gathers the counter
    /// changes, written once for the batch.
    private static func ingest(
        _ item: IngestItem, maxDistance: Int, counting counts: inout [Counter: Int64], _ db: Database, _ context: ItemContext,
        near: (Fingerprint) throws -> [Candidate]
    ) throws -> IngestOutcome {
        let claim = ClaimBlob.encode(item.claimKey)
        let claimed = "SELECT seq, \(keptBytes) FROM item WHERE id = (SELECT item_id FROM claim WHERE key = ?)"
        if let row = try Row.fetchOne(db.cachedStatement(sql: claimed), arguments: [claim]) {
            return .alreadyIngested(seq: row[0], bytesKept: row[1])
        }
        let sha = Data(item.fingerprint.sha256)
        // An older version's key names only the inode, mtime and size, which a new file can
        // share with a pruned one: it counts only when the recorded item has this content.
        if let legacy = item.legacyClaimKey, let row = try Row.fetchOne(db.cachedStatement(sql: """
            \(claimed) AND sha256 = ? AND raw_size = ?
            """), arguments: [ClaimBlob.encode(legacy), sha, Int64(item.bytes.count)]) {
            return .alreadyIngested(seq: row[0], bytesKept: row[1])
        }
        let exact = try exactMatch(sha, db)
        let candidates = exact == nil ? try near(item.fingerprint) : []
        var mine: [UInt64]?
        let verdict = try Verdict.decide(
            item.fingerprint, exactMatch: exact, candidates: candidates, maxDistance: maxDistance
        ) { id in
            // The item's own shingles are sorted once, however many candidates it has.
            if mine == nil { mine = item.shingles.hashes }
            return ShingleSet.containment(sorted: mine!, try context.shingles(id).hashes)
        }
        counts[.lastSeq, default: 0] += 1
        let seq = context.lastSeq + counts[.lastSeq, default: 0]
        var record = ItemRecord(
            id: nil, seq: seq, sha256: sha, simhash: Int64(bitPattern: item.fingerprint.simhash), indexed: false,
            source: item.source, receivedAt: item.receivedAt, encoding: item.encoding.rawValue, rawSize: Int64(item.bytes.count))
        let body: BodyRecord?
        switch verdict {
        case .unique:
            record.leadSimhash = Int64(bitPattern: item.fingerprint.leadSimhash)
            record.indexed = true
            try record.insert(db)
            let bytes = try item.compressedBody ?? ZlibCodec.compress(item.bytes)
            body = BodyRecord(itemId: db.lastInsertedRowID, dictionaryId: item.compressedBody == nil ? nil : item.dictionaryID,
                              bytes: Data(bytes))
            try AnchorRecord(itemId: db.lastInsertedRowID, keys: AnchorBlob.encode(item.fingerprint.anchors)).insert(db)
            counts[.articles, default: 0] += 1

        case .exactDuplicate(let original), .nearDuplicate(let original, _, _, _):
            var (kind, distance, containment, path): (DuplicateKind, Int, Double?, MatchPath?) = (.exact, 0, nil, nil)
            if case .nearDuplicate(_, let d, let c, let p) = verdict { (kind, distance, containment, path) = (.near, d, c, p) }
            (record.originalId, record.kind, record.distance, record.containment, record.matchedOn) =
                (original, kind, Int64(distance), containment, path?.rawValue)
            let stored = try DuplicateBody.choose(for: item, original: original, originalBytes: context.bytes(original))
            record.baseId = stored.baseId
            try record.insert(db)
            body = stored.bytes.map { BodyRecord(itemId: db.lastInsertedRowID, dictionaryId: stored.dictionaryId, bytes: Data($0)) }
            counts[kind == .exact ? .exactDuplicates : .nearDuplicates, default: 0] += 1
        }
        let id = db.lastInsertedRowID
        try body?.insert(db)
        try db.cachedStatement(sql: "INSERT INTO claim(key, item_id) VALUES (?, ?)").execute(arguments: [claim, id])
        counts[.rawBytes, default: 0] += Int64(item.bytes.count)
        counts[.storedBytes, default: 0] += Int64(body?.bytes.count ?? 0)
        guard let original = record.originalId, let kind = record.kind else { return .stored(articleId: id, seq: seq) }
        return .duplicate(duplicateId: id, of: original, kind: kind, distance: Int(record.distance ?? 0),
                          containment: record.containment, path: record.matchedOn.flatMap(MatchPath.init(rawValue:)), seq: seq)
    }

    /// The article whose normalised text has this SHA-256: found by the first 8 bytes (the
    /// partial index on articles), confirmed on all 32.
    static func exactMatch(_ sha: Data, _ db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT id FROM item WHERE substr(sha256, 1, 8) = ? AND original_id IS NULL AND sha256 = ?
            """), arguments: [sha.prefix(8), sha])
    }

    /// The shingles of a stored article, from its stored bytes: decompressed, decoded and
    /// analysed exactly as at ingest. Every near candidate comes here once.
    func storedShingles(of id: Int64, _ db: Database) throws -> ShingleSet {
        guard let bytes = try bytes(of: id, db) else {
            throw StoreError(message: "article \(id) has no stored bytes", kind: .corrupt)
        }
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
