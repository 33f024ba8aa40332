public import Foundation

/// The control socket's wire format, shared by `newsdedupd` and `newsdedupctl`: the one file to
/// read to know it.
///
/// - Framing: one JSON object per line (UTF-8, `\n`). Requests longer than `maxRequestBytes`
///   are refused with an error reply before any parsing.
/// - Every message carries `version`. A request with another version gets an error reply
///   (code 9003), never a dropped connection.
/// - A reply is one line, except multi-record replies (`export`), which send one `record` line
///   each and then an `end` line with the count, so a client can tell "done" from "cut off".
/// - Error codes: 8xxx the daemon failed at run time (store fault, not found); 9xxx the request
///   was wrong. They are stable: scripts may match on them.
public enum ControlProtocol {
    public static let version = 1
    public static let maxRequestBytes = 4096
    /// Linux `sockaddr_un.sun_path` holds 108 bytes including the terminating NUL.
    public static let maxSocketPathBytes = 107
}

/// A request: `{"version":1,"command":"status"}`.
public struct Request: Codable, Sendable, Equatable {
    public enum Command: String, Codable, Sendable, CaseIterable {
        case status, show, export
    }

    public var version: Int
    public var command: Command
    /// `show`: the article id.
    public var id: Int64?
    /// `export`: only records with a larger `seq`.
    public var since: Int64?
    /// `export`: at most this many records.
    public var limit: Int?

    public init(command: Command, id: Int64? = nil, since: Int64? = nil, limit: Int? = nil) {
        self.version = ControlProtocol.version
        self.command = command
        self.id = id
        self.since = since
        self.limit = limit
    }
}

/// A reply line. `type` says which of the optional members is present.
public struct Response: Codable, Sendable {
    public enum Kind: String, Codable, Sendable { case status, article, record, end, error }

    public var version: Int
    public var type: Kind
    public var status: StatusReport?
    public var article: ArticleReply?
    public var record: ExportRecord?
    /// `end`: how many records came before it.
    public var count: Int?
    public var error: ErrorReply?

    init(type: Kind) {
        self.version = ControlProtocol.version
        self.type = type
    }

    public static func status(_ report: StatusReport) -> Response { var r = Response(type: .status); r.status = report; return r }
    public static func article(_ reply: ArticleReply) -> Response { var r = Response(type: .article); r.article = reply; return r }
    public static func record(_ record: ExportRecord) -> Response { var r = Response(type: .record); r.record = record; return r }
    public static func end(count: Int) -> Response { var r = Response(type: .end); r.count = count; return r }
    public static func error(_ code: ErrorCode, _ message: String) -> Response {
        var r = Response(type: .error)
        r.error = ErrorReply(code: code.rawValue, message: message)
        return r
    }
}

/// Stable error codes, in BIRD's classes: 8xxx run-time, 9xxx request.
public enum ErrorCode: Int, Codable, Sendable {
    case storeFailure = 8001
    case notFound = 8002
    case requestTooLong = 9001
    case malformedRequest = 9002
    case unsupportedVersion = 9003
    case unknownCommand = 9004
    case invalidArgument = 9005
}

public struct ErrorReply: Codable, Sendable, Equatable {
    public var code: Int
    public var message: String
}

/// `status`: what the daemon holds and how it is doing.
public struct StatusReport: Codable, Sendable, Equatable {
    /// "running", "paused" or "degraded".
    public var state: String
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

    public init(state: String, articles: Int64, exactDuplicates: Int64, nearDuplicates: Int64, quarantined: Int64,
                backlog: Int, rawBytes: Int64, storedBytes: Int64, uptimeSeconds: Double, lastError: String?,
                lastSeq: Int64, inbox: String, store: String, maxDistance: Int) {
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
    }

    enum CodingKeys: String, CodingKey {
        case state, articles, exactDuplicates = "exact_duplicates", nearDuplicates = "near_duplicates"
        case quarantined, backlog, rawBytes = "raw_bytes", storedBytes = "stored_bytes"
        case uptimeSeconds = "uptime_seconds", lastError = "last_error", lastSeq = "last_seq"
        case inbox, store, maxDistance = "max_distance"
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
    }
}

/// `show`: one stored article. `body` is the file's bytes exactly as received, base64-encoded
/// (JSON strings cannot carry arbitrary bytes).
public struct ArticleReply: Codable, Sendable, Equatable {
    public var id: Int64
    public var source: String
    public var receivedAt: String
    public var sha256: String
    public var simhash: String
    public var encoding: String
    public var rawSize: Int64
    public var storedSize: Int64
    public var body: Data

    public init(id: Int64, source: String, receivedAt: String, sha256: String, simhash: String, encoding: String,
                rawSize: Int64, storedSize: Int64, body: Data) {
        self.id = id
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
        case id, source, receivedAt = "received_at", sha256, simhash, encoding
        case rawSize = "raw_size", storedSize = "stored_size", body
    }
}

/// One record of the feed (`export`), also what `newsdedupctl export` prints, one per line.
public struct ExportRecord: Codable, Sendable, Equatable {
    /// Strictly increasing; a consumer resumes with `--since` the last one it saw.
    public var seq: Int64
    /// The article's id, or for a duplicate its own id among duplicates.
    public var id: Int64
    /// "article" or "duplicate".
    public var kind: String
    /// For a duplicate: the article it repeats.
    public var duplicateOf: Int64?
    /// For a duplicate: "exact" or "near".
    public var duplicateKind: String?
    /// For a duplicate: Hamming distance of the SimHashes (0 for exact).
    public var distance: Int?
    /// The file name as received.
    public var source: String
    public var sha256: String
    /// 16 lowercase hex digits.
    public var simhash: String
    /// RFC 3339, UTC.
    public var receivedAt: String
    /// For an article: its text, decoded.
    public var text: String?

    public init(seq: Int64, id: Int64, kind: String, duplicateOf: Int64?, duplicateKind: String?, distance: Int?,
                source: String, sha256: String, simhash: String, receivedAt: String, text: String?) {
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
        case seq, id, kind, duplicateOf = "duplicate_of", duplicateKind = "duplicate_kind", distance, source
        case sha256, simhash, receivedAt = "received_at", text
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
        try c.encode(source, forKey: .source)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(simhash, forKey: .simhash)
        try c.encode(receivedAt, forKey: .receivedAt)
        try c.encode(text, forKey: .text)
    }
}
