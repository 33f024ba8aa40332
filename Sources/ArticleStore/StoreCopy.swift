/// A store's contents row by row, as stored, for `newsdedupd --copy-store FROM TO`: a user who
/// outgrows one machine moves a SQLite store into PostgreSQL (or back) and keeps every id, seq,
/// verdict, byte and the store's identity (so the spool's marker still names it). Bodies move
/// as they are compressed, with the dictionaries they name: nothing is decoded or re-encoded.
public protocol CopyableStore: DedupStore {
    /// Reads everything in one consistent snapshot (ingest may go on beside it): the header
    /// first, then the items in id order, `pageSize` at a time.
    func readCopy(pageSize: Int, _ visit: (StoreCopyPart) throws -> Void) throws(StoreError)
    /// Fills this store, which must hold no items, in one transaction: `fill` hands the parts
    /// of another store's `readCopy` to the closure it is given. Fails without a trace.
    func writeCopy(_ fill: (_ write: (StoreCopyPart) throws -> Void) throws -> Void) throws(StoreError)
}

public enum StoreCopyPart: Sendable {
    case header(StoreCopyHeader)
    case items([CopiedItem])
}

/// What is not an item: identity, totals, dictionaries, quarantine records, open claims.
public struct StoreCopyHeader: Sendable, Equatable {
    public var identity: String
    /// Every counter (totals, `last_seq`, and `last_id`: the highest id ever handed out, so
    /// ids are never reused after the copy).
    public var counters: [String: Int64]
    public var dictionaries: [CopiedDictionary]
    public var quarantine: [CopiedQuarantine]
    public var claims: [CopiedClaim]

    public init(identity: String, counters: [String: Int64], dictionaries: [CopiedDictionary], quarantine: [CopiedQuarantine],
                claims: [CopiedClaim]) {
        self.identity = identity
        self.counters = counters
        self.dictionaries = dictionaries
        self.quarantine = quarantine
        self.claims = claims
    }
}

public struct CopiedDictionary: Sendable, Equatable {
    public var id: Int64
    public var script: String
    public var trainedAt: Int64
    public var samples: Int64
    /// As stored: zlib-compressed, `rawSize` bytes inflated.
    public var bytes: [UInt8]
    public var rawSize: Int64

    public init(id: Int64, script: String, trainedAt: Int64, samples: Int64, bytes: [UInt8], rawSize: Int64) {
        (self.id, self.script, self.trainedAt, self.samples, self.bytes, self.rawSize) = (id, script, trainedAt, samples, bytes, rawSize)
    }
}

public struct CopiedQuarantine: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var reason: String
    public var at: Int64

    public init(id: Int64, name: String, reason: String, at: Int64) {
        (self.id, self.name, self.reason, self.at) = (id, name, reason, at)
    }
}

public struct CopiedClaim: Sendable, Equatable {
    public var key: [UInt8]
    public var itemId: Int64

    public init(key: [UInt8], itemId: Int64) {
        (self.key, self.itemId) = (key, itemId)
    }
}

/// One `item` row with its `body` and `anchor` rows, column for column.
public struct CopiedItem: Sendable, Equatable {
    public var id: Int64
    public var seq: Int64?
    public var originalId: Int64?
    public var kind: String?
    public var distance: Int64?
    public var containment: Double?
    public var matchedOn: String?
    public var sha256: [UInt8]
    public var simhash: Int64
    public var leadSimhash: Int64?
    public var indexed: Bool
    public var source: String
    public var receivedAt: Int64
    public var encoding: String?
    public var rawSize: Int64
    public var baseId: Int64?
    /// The body row, if any: its dictionary and its bytes as stored.
    public var bodyDictionaryId: Int64?
    public var body: [UInt8]?
    /// The anchor row's keys, if any.
    public var anchors: [UInt8]?

    public init(id: Int64, seq: Int64?, originalId: Int64?, kind: String?, distance: Int64?, containment: Double?, matchedOn: String?,
                sha256: [UInt8], simhash: Int64, leadSimhash: Int64?, indexed: Bool, source: String, receivedAt: Int64,
                encoding: String?, rawSize: Int64, baseId: Int64?, bodyDictionaryId: Int64?, body: [UInt8]?, anchors: [UInt8]?) {
        self.id = id
        self.seq = seq
        self.originalId = originalId
        self.kind = kind
        self.distance = distance
        self.containment = containment
        self.matchedOn = matchedOn
        self.sha256 = sha256
        self.simhash = simhash
        self.leadSimhash = leadSimhash
        self.indexed = indexed
        self.source = source
        self.receivedAt = receivedAt
        self.encoding = encoding
        self.rawSize = rawSize
        self.baseId = baseId
        self.bodyDictionaryId = bodyDictionaryId
        self.body = body
        self.anchors = anchors
    }

    /// The columns both stores select, in this order, for `init(columns)`: one list, so the two
    /// readers cannot drift apart.
    public static let selectColumns = """
        i.id, i.seq, i.original_id, i.kind, i.distance, i.containment, i.matched_on, i.sha256, i.simhash, i.lead_simhash,
        i.indexed, i.source, i.received_at, i.encoding, i.raw_size, i.base_id, b.dictionary_id, b.bytes, a.keys
        FROM item i LEFT JOIN body b ON b.item_id = i.id LEFT JOIN anchor a ON a.item_id = i.id
        """
}

/// What a copy moved, as the command reports it.
public struct StoreCopyReport: Sendable, Equatable {
    public var items: Int64 = 0
    public var bodies: Int64 = 0
    public var bodyBytes: Int64 = 0
    public var dictionaries = 0
    public var quarantined = 0

    public init() {}
}

public enum StoreCopier {
    /// Copies every row of `source` into `destination` (empty), then runs the destination's
    /// `check`. `progress` is told the items copied so far.
    public static func copy(from source: any CopyableStore, to destination: any CopyableStore, pageSize: Int = 1000,
                            progress: (Int64) -> Void = { _ in }) throws(StoreError) -> StoreCopyReport {
        var report = StoreCopyReport()
        try destination.writeCopy { write in
            try source.readCopy(pageSize: pageSize) { part in
                try write(part)
                switch part {
                case .header(let header):
                    report.dictionaries = header.dictionaries.count
                    report.quarantined = header.quarantine.count
                case .items(let items):
                    report.items += Int64(items.count)
                    for body in items.compactMap(\.body) {
                        report.bodies += 1
                        report.bodyBytes += Int64(body.count)
                    }
                    progress(report.items)
                }
            }
        }
        // The copy must hold together on its own: counters against rows, feed, ids, bodies.
        let problems = try destination.check().problems
        guard problems.isEmpty else {
            throw StoreError(message: "the copy in \(destination.path) is inconsistent: \(problems.joined(separator: "; "))", kind: .fatal)
        }
        return report
    }
}
