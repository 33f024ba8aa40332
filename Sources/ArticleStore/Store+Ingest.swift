public import DedupCore
import Foundation
import GRDB

/// One claimed, decoded and fingerprinted file, ready to be committed.
public struct IngestItem: Sendable {
    /// The file name as received.
    public var source: String
    /// Identifies this claimed file across a crash (inode, mtime, size): see `FeedEventRecord`.
    public var claimKey: String
    /// The file's bytes, exactly as received.
    public var bytes: [UInt8]
    public var encoding: SourceEncoding
    public var fingerprint: Fingerprint
    /// The text's shingle hashes: what a lead-only match is confirmed against.
    public var shingles: ShingleSet
    /// Milliseconds since 1970, UTC.
    public var receivedAt: Int64
    /// `bytes` zlib-compressed, when the caller did it outside the write transaction (the
    /// daemon compresses on every core while one thread commits); nil to compress at commit.
    public var compressedBody: [UInt8]?

    public init(source: String, claimKey: String, bytes: [UInt8], encoding: SourceEncoding,
                fingerprint: Fingerprint, shingles: ShingleSet, receivedAt: Int64, compressedBody: [UInt8]? = nil) {
        self.compressedBody = compressedBody
        self.source = source
        self.claimKey = claimKey
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
    /// `containment` is set when the match was on the lead fingerprint and confirmed by it.
    case duplicate(duplicateId: Int64, of: Int64, kind: DuplicateKind, distance: Int, containment: Double?, seq: Int64)
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
            return try pool.writeWithoutTransaction { db in
                var outcomes: [IngestOutcome] = []
                try db.inTransaction(.immediate) {
                    outcomes = try items.map { try Self.ingest($0, maxDistance: maxDistance, db) }
                    return .commit
                }
                return outcomes
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    private static func ingest(_ item: IngestItem, maxDistance: Int, _ db: Database) throws -> IngestOutcome {
        if let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM feed WHERE claim_key = ?", arguments: [item.claimKey]) {
            return .alreadyIngested(seq: seq)
        }
        let sha = Data(item.fingerprint.sha256)
        let exact = try Int64.fetchOne(db, sql: "SELECT id FROM article WHERE sha256 = ?", arguments: [sha])
        let candidates = exact == nil
            ? try NearDuplicateQuery.candidates(
                db, simhash: item.fingerprint.simhash, leadSimhash: item.fingerprint.leadSimhash, maxDistance: maxDistance)
            : []
        let verdict = try Verdict.decide(
            item.fingerprint, exactMatch: exact, candidates: candidates, maxDistance: maxDistance
        ) { id in try storedShingles(of: id, db).containment(item.shingles) }
        let simhash = Int64(bitPattern: item.fingerprint.simhash)

        switch verdict {
        case .unique:
            let body = try item.compressedBody ?? ZlibCodec.compress(item.bytes)
            let bands = BandKey.bands(of: item.fingerprint.simhash).map { Int64($0) }
            let leadBands = BandKey.bands(of: item.fingerprint.leadSimhash).map { Int64($0) }
            let article = try ArticleRecord(
                id: nil, sha256: sha, simhash: simhash,
                band0: bands[0], band1: bands[1], band2: bands[2], band3: bands[3],
                leadSimhash: Int64(bitPattern: item.fingerprint.leadSimhash),
                leadBand0: leadBands[0], leadBand1: leadBands[1], leadBand2: leadBands[2], leadBand3: leadBands[3],
                source: item.source, receivedAt: item.receivedAt, encoding: item.encoding.rawValue,
                rawSize: Int64(item.bytes.count), storedSize: Int64(body.count),
                tokenCount: Int64(item.fingerprint.tokenCount), body: Data(body)
            ).insertAndFetch(db)
            let articleId = try article.id.orThrow("article id")
            let event = try FeedEventRecord(seq: nil, kind: .article, articleId: articleId, duplicateId: nil, claimKey: item.claimKey)
                .insertAndFetch(db)
            try bump(.articles, db)
            try bump(.rawBytes, by: Int64(item.bytes.count), db)
            try bump(.storedBytes, by: Int64(body.count), db)
            return .stored(articleId: articleId, seq: try event.seq.orThrow("feed seq"))

        case .exactDuplicate(let original), .nearDuplicate(let original, _, _):
            var (kind, distance, containment): (DuplicateRecord.Kind, Int, Double?) = (.exact, 0, nil)
            if case .nearDuplicate(_, let d, let c) = verdict { (kind, distance, containment) = (.near, d, c) }
            let duplicate = try DuplicateRecord(
                id: nil, articleId: original, kind: kind, distance: Int64(distance), sha256: sha, simhash: simhash,
                source: item.source, receivedAt: item.receivedAt, rawSize: Int64(item.bytes.count), containment: containment
            ).insertAndFetch(db)
            let duplicateId = try duplicate.id.orThrow("duplicate id")
            let event = try FeedEventRecord(seq: nil, kind: .duplicate, articleId: original, duplicateId: duplicateId, claimKey: item.claimKey)
                .insertAndFetch(db)
            try bump(kind == .exact ? .exactDuplicates : .nearDuplicates, db)
            return .duplicate(
                duplicateId: duplicateId, of: original, kind: kind == .exact ? .exact : .near,
                distance: distance, containment: containment, seq: try event.seq.orThrow("feed seq"))
        }
    }

    /// The shingles of a stored article, from its stored bytes: decompressed, decoded and
    /// analysed exactly as at ingest. Only lead-only candidates come here, which are rare.
    static func storedShingles(of id: Int64, _ db: Database) throws -> ShingleSet {
        guard let row = try Row.fetchOne(db, sql: "SELECT body, raw_size FROM article WHERE id = ?", arguments: [id]) else {
            throw StoreError(message: "article \(id) vanished during ingest", isFatal: false)
        }
        let bytes = try ZlibCodec.decompress(Array(row[0] as Data), rawSize: Int(row[1] as Int64))
        var noCache: NormalizationCache? = nil
        return try Fingerprinter().analyze(TextDecoder.decode(bytes).text, cache: &noCache).shingles
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
        try db.execute(sql: "UPDATE counter SET value = value + ? WHERE name = ?", arguments: [amount, counter.rawValue])
    }
}

extension Optional {
    func orThrow(_ what: String) throws -> Wrapped {
        guard let self else { throw StoreError(message: "SQLite returned no \(what)", isFatal: true) }
        return self
    }
}
