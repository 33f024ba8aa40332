public import Foundation

/// `status`: what the daemon holds and how it is doing.
public struct StatusReport: Codable, Sendable, Equatable {
    public var state: DaemonHealth
    public var articles: Int64
    public var exactDuplicates: Int64
    public var nearDuplicates: Int64
    public var quarantined: Int64
    /// Files waiting in the inbox (and claimed, not yet committed) at the last poll.
    public var backlog: Int
    public var rawBytes: Int64
    public var storedBytes: Int64
    public var uptimeSeconds: Double
    public var lastError: String?
    public var lastSeq: Int64
    public var inbox: String
    public var store: String
    public var maxDistance: Int
    /// Files committed in the last minute, and that as a rate per second.
    public var filesLastMinute: Int
    public var filesPerSecond: Double
    /// Bytes on disk of the store (database and WAL).
    public var storeSizeBytes: Int64
    /// Seconds the oldest waiting file has been in the inbox (by its mtime); null when none waits.
    public var oldestBacklogAgeSeconds: Double?
    /// The last thing the daemon repaired by itself (a spool directory removed and made again,
    /// the inbox replaced and followed), with its time; null when nothing was.
    public var lastNotice: String?

    public init(state: DaemonHealth, articles: Int64, exactDuplicates: Int64, nearDuplicates: Int64, quarantined: Int64,
                backlog: Int, rawBytes: Int64, storedBytes: Int64, uptimeSeconds: Double, lastError: String?,
                lastSeq: Int64, inbox: String, store: String, maxDistance: Int, filesLastMinute: Int = 0,
                storeSizeBytes: Int64 = 0, oldestBacklogAgeSeconds: Double? = nil, lastNotice: String? = nil) {
        self.state = state
        self.articles = articles
        self.exactDuplicates = exactDuplicates
        self.nearDuplicates = nearDuplicates
        self.quarantined = quarantined
        self.backlog = backlog
        self.rawBytes = rawBytes
        self.storedBytes = storedBytes
        self.uptimeSeconds = uptimeSeconds
        self.lastError = lastError
        self.lastSeq = lastSeq
        self.inbox = inbox
        self.store = store
        self.maxDistance = maxDistance
        self.filesLastMinute = filesLastMinute
        self.filesPerSecond = Double(filesLastMinute) / 60
        self.storeSizeBytes = storeSizeBytes
        self.oldestBacklogAgeSeconds = oldestBacklogAgeSeconds
        self.lastNotice = lastNotice
    }

    enum CodingKeys: String, CodingKey {
        case state, articles, exactDuplicates = "exact_duplicates", nearDuplicates = "near_duplicates"
        case quarantined, backlog, rawBytes = "raw_bytes", storedBytes = "stored_bytes"
        case uptimeSeconds = "uptime_seconds", lastError = "last_error", lastSeq = "last_seq"
        case inbox, store, maxDistance = "max_distance", filesLastMinute = "files_last_minute"
        case filesPerSecond = "files_per_second", storeSizeBytes = "store_size_bytes"
        case oldestBacklogAgeSeconds = "oldest_backlog_age_seconds", lastNotice = "last_notice"
    }

    /// `last_error` is always present, as null when there is none.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(state, forKey: .state)
        try c.encode(articles, forKey: .articles)
        try c.encode(exactDuplicates, forKey: .exactDuplicates)
        try c.encode(nearDuplicates, forKey: .nearDuplicates)
        try c.encode(quarantined, forKey: .quarantined)
        try c.encode(backlog, forKey: .backlog)
        try c.encode(rawBytes, forKey: .rawBytes)
        try c.encode(storedBytes, forKey: .storedBytes)
        try c.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(lastSeq, forKey: .lastSeq)
        try c.encode(inbox, forKey: .inbox)
        try c.encode(store, forKey: .store)
        try c.encode(maxDistance, forKey: .maxDistance)
        try c.encode(filesLastMinute, forKey: .filesLastMinute)
        try c.encode(filesPerSecond, forKey: .filesPerSecond)
        try c.encode(storeSizeBytes, forKey: .storeSizeBytes)
        try c.encode(oldestBacklogAgeSeconds, forKey: .oldestBacklogAgeSeconds)
        try c.encode(lastNotice, forKey: .lastNotice)
    }
}

/// `show`: one received item, article or duplicate. `body` is the file's bytes exactly as
/// received, base64-encoded (JSON strings cannot carry arbitrary bytes); null when they were
/// never kept (duplicates received before the store's schema 7).
public struct ItemReply: Codable, Sendable, Equatable {
    public var id: Int64
    /// Its feed record's seq (null only for an item an older store had lost from its feed).
    public var seq: Int64?
    public var kind: FeedKind
    /// For a duplicate: the article it repeats, and "exact" or "near".
    public var duplicateOf: Int64?
    public var duplicateKind: DuplicateKind?
    public var source: String
    public var receivedAt: String
    public var sha256: String
    public var simhash: String
    /// The encoding it arrived in; null where not recorded (duplicates before schema 7).
    public var encoding: String?
    public var rawSize: Int64
    /// What its bytes take in the store (0 for a copy identical to its original).
    public var storedSize: Int64
    public var body: Data?

    public init(id: Int64, seq: Int64?, kind: FeedKind, duplicateOf: Int64?, duplicateKind: DuplicateKind?, source: String,
                receivedAt: String, sha256: String, simhash: String, encoding: String?, rawSize: Int64, storedSize: Int64,
                body: Data?) {
        self.id = id
        self.seq = seq
        self.kind = kind
        self.duplicateOf = duplicateOf
        self.duplicateKind = duplicateKind
        self.source = source
        self.receivedAt = receivedAt
        self.sha256 = sha256
        self.simhash = simhash
        self.encoding = encoding
        self.rawSize = rawSize
        self.storedSize = storedSize
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case id, seq, kind, duplicateOf = "duplicate_of", duplicateKind = "duplicate_kind", source, receivedAt = "received_at"
        case sha256, simhash, encoding, rawSize = "raw_size", storedSize = "stored_size", body
    }

    /// Every field on every reply, null where it does not apply.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(seq, forKey: .seq)
        try c.encode(kind, forKey: .kind)
        try c.encode(duplicateOf, forKey: .duplicateOf)
        try c.encode(duplicateKind, forKey: .duplicateKind)
        try c.encode(source, forKey: .source)
        try c.encode(receivedAt, forKey: .receivedAt)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(simhash, forKey: .simhash)
        try c.encode(encoding, forKey: .encoding)
        try c.encode(rawSize, forKey: .rawSize)
        try c.encode(storedSize, forKey: .storedSize)
        try c.encode(body, forKey: .body)
    }
}

/// One record of the feed (`export`), also what `newsdedupctl export` prints, one per line.
public struct ExportRecord: Codable, Sendable, Equatable {
    /// Strictly increasing; a consumer resumes with `--since` the last one it saw.
    public var seq: Int64
    /// The item's id. Articles and duplicates share one id space (`show` takes either); in a
    /// store from before schema 7, duplicates were renumbered after the highest article id.
    public var id: Int64
    /// "article" or "duplicate".
    public var kind: FeedKind
    /// For a duplicate: the article it repeats.
    public var duplicateOf: Int64?
    /// For a duplicate: "exact" or "near".
    public var duplicateKind: DuplicateKind?
    /// For a duplicate: Hamming distance of the whole-text SimHashes (0 for exact; stores
    /// before fingerprint 4 recorded 0 for a lead match).
    public var distance: Int?
    /// For a near duplicate: the share of the shorter text's shingles found in the other (0-1)
    /// that confirmed it (stores before fingerprint 4 recorded it for lead matches only);
    /// null otherwise.
    public var containment: Double?
    /// For a near duplicate: how it was found, "whole" (whole-text SimHash within the
    /// threshold), "lead" (equal lead SimHash: a copy cut short) or "part" (a shared anchor: a
    /// new top, chrome, deep cuts); null otherwise.
    public var matchedOn: MatchedOn?
    /// The file name as received.
    public var source: String
    public var sha256: String
    /// 16 lowercase hex digits.
    public var simhash: String
    /// RFC 3339, UTC.
    public var receivedAt: String
    /// For an article: its text, decoded.
    public var text: String?

    public init(seq: Int64, id: Int64, kind: FeedKind, duplicateOf: Int64?, duplicateKind: DuplicateKind?, distance: Int?,
                containment: Double? = nil, matchedOn: MatchedOn? = nil, source: String, sha256: String, simhash: String,
                receivedAt: String, text: String?) {
        self.containment = containment
        self.matchedOn = matchedOn
        self.seq = seq
        self.id = id
        self.kind = kind
        self.duplicateOf = duplicateOf
        self.duplicateKind = duplicateKind
        self.distance = distance
        self.source = source
        self.sha256 = sha256
        self.simhash = simhash
        self.receivedAt = receivedAt
        self.text = text
    }

    enum CodingKeys: String, CodingKey {
        case seq, id, kind, duplicateOf = "duplicate_of", duplicateKind = "duplicate_kind", distance, containment
        case matchedOn = "matched_on", source, sha256, simhash, receivedAt = "received_at", text
    }

    /// Every field is present on every record (null where it does not apply), so consumers
    /// can rely on the shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(duplicateOf, forKey: .duplicateOf)
        try c.encode(duplicateKind, forKey: .duplicateKind)
        try c.encode(distance, forKey: .distance)
        try c.encode(containment, forKey: .containment)
        try c.encode(matchedOn, forKey: .matchedOn)
        try c.encode(source, forKey: .source)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(simhash, forKey: .simhash)
        try c.encode(receivedAt, forKey: .receivedAt)
        try c.encode(text, forKey: .text)
    }
}

/// `similar`: a stored article near the queried fingerprint.
public struct MatchRecord: Codable, Sendable, Equatable {
    public var id: Int64
    /// Hamming distance of the SimHashes; 0 with `exact` for the same normalised text.
    public var distance: Int
    /// Hamming distance of the lead SimHashes.
    public var leadDistance: Int?
    /// "exact", or how the candidate was found: "whole" (whole-text SimHash within the
    /// threshold), "lead" (equal lead SimHashes) or "part" (a shared anchor). A candidate is a
    /// duplicate only if the texts' shingle containment confirms it.
    public var basis: MatchBasis?
    public var exact: Bool
    public var source: String
    public var receivedAt: String
    public var simhash: String

    public init(id: Int64, distance: Int, leadDistance: Int? = nil, basis: MatchBasis? = nil, exact: Bool, source: String,
                receivedAt: String, simhash: String) {
        self.id = id
        self.distance = distance
        self.leadDistance = leadDistance
        self.basis = basis
        self.exact = exact
        self.source = source
        self.receivedAt = receivedAt
        self.simhash = simhash
    }

    enum CodingKeys: String, CodingKey {
        case id, distance, leadDistance = "lead_distance", basis, exact, source, receivedAt = "received_at", simhash
    }
}

/// `duplicates`: one file recorded as a duplicate of an article.
public struct DuplicateReply: Codable, Sendable, Equatable {
    public var id: Int64
    /// "exact" or "near".
    public var kind: DuplicateKind
    public var distance: Int
    /// For a near duplicate: the containment that confirmed it and how it was found (see
    /// `ExportRecord`).
    public var containment: Double?
    public var matchedOn: MatchedOn?
    public var source: String
    public var receivedAt: String
    public var sha256: String
    public var simhash: String

    public init(id: Int64, kind: DuplicateKind, distance: Int, containment: Double? = nil, matchedOn: MatchedOn? = nil, source: String,
                receivedAt: String, sha256: String, simhash: String) {
        self.id = id
        self.containment = containment
        self.matchedOn = matchedOn
        self.kind = kind
        self.distance = distance
        self.source = source
        self.receivedAt = receivedAt
        self.sha256 = sha256
        self.simhash = simhash
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, distance, containment, matchedOn = "matched_on", source, receivedAt = "received_at", sha256, simhash
    }
}

/// `quarantine_list`: a file in quarantine and why.
public struct QuarantineEntry: Codable, Sendable, Equatable {
    /// The name in the quarantine directory, escaped as everywhere (`\xNN`).
    public var name: String
    public var size: Int64
    /// When it was quarantined (RFC 3339), and the reason, from NAME.reason.
    public var quarantinedAt: String?
    public var reason: String?

    public init(name: String, size: Int64, quarantinedAt: String?, reason: String?) {
        self.name = name
        self.size = size
        self.quarantinedAt = quarantinedAt
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case name, size, quarantinedAt = "quarantined_at", reason
    }
}

/// `check`: SQLite's integrity check and the consistency of the tables with each other.
public struct CheckReport: Codable, Sendable, Equatable {
    public var ok: Bool
    /// `PRAGMA integrity_check` lines ("ok" when sound).
    public var integrity: [String]
    /// Each inconsistency found between tables, in words (empty when none).
    public var problems: [String]
    public var articles: Int64
    public var duplicates: Int64
    public var feedRecords: Int64

    public init(ok: Bool, integrity: [String], problems: [String], articles: Int64, duplicates: Int64, feedRecords: Int64) {
        self.ok = ok
        self.integrity = integrity
        self.problems = problems
        self.articles = articles
        self.duplicates = duplicates
        self.feedRecords = feedRecords
    }

    enum CodingKeys: String, CodingKey {
        case ok, integrity, problems, articles, duplicates, feedRecords = "feed_records"
    }
}
