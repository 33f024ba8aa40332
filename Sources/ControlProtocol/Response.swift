import Foundation

/// A reply line. `type` says which of the optional members is present.
public struct Response: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case status, article, record, match, duplicate, quarantined, check, metrics, done, end, error
    }

    public var version: Int
    public var type: Kind
    public var status: StatusReport?
    public var article: ArticleReply?
    /// `export`: one feed record.
    public var record: ExportRecord?
    /// `similar`: one stored article near the fingerprint.
    public var match: MatchRecord?
    /// `duplicates`: one recorded duplicate.
    public var duplicate: DuplicateReply?
    /// `quarantine_list`: one quarantined file.
    public var quarantined: QuarantineEntry?
    public var check: CheckReport?
    /// `metrics`: the Prometheus text exposition.
    public var metrics: String?
    /// `done`: what a command that changes something did.
    public var message: String?
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
    public static func match(_ match: MatchRecord) -> Response { var r = Response(type: .match); r.match = match; return r }
    public static func duplicate(_ row: DuplicateReply) -> Response { var r = Response(type: .duplicate); r.duplicate = row; return r }
    public static func quarantined(_ entry: QuarantineEntry) -> Response {
        var r = Response(type: .quarantined)
        r.quarantined = entry
        return r
    }
    public static func check(_ report: CheckReport) -> Response { var r = Response(type: .check); r.check = report; return r }
    public static func metrics(_ text: String) -> Response { var r = Response(type: .metrics); r.metrics = text; return r }
    public static func done(_ message: String) -> Response { var r = Response(type: .done); r.message = message; return r }
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
    case permissionDenied = 9006
    case conflict = 8003
    case tooManyConnections = 8004
    /// A file-system operation of the command failed (quarantine, backup's directory).
    case fileSystemFailure = 8005
    /// `reload`: the configuration re-read does not hold (the message names the key); the
    /// running configuration stays.
    case invalidConfiguration = 8006
}

public struct ErrorReply: Codable, Sendable, Equatable {
    public var code: Int
    public var message: String
}
