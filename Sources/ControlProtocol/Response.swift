import Foundation

/// A reply line, one of a closed set, tagged on the wire by `type` with its payload under the
/// member of the same name: `{"version":1,"type":"end","count":3}`,
/// `{"version":1,"type":"status","status":{...}}` (chrony's versioned, tagged replies). A reader
/// switches over the cases; nothing is optional that a case always has.
public enum Response: Sendable, Equatable {
    case status(StatusReport)
    case item(ItemReply)
    /// `export`: one feed record.
    case record(ExportRecord)
    /// `similar`: one stored article near the fingerprint.
    case match(MatchRecord)
    /// `duplicates`: one recorded duplicate.
    case duplicate(DuplicateReply)
    /// `quarantine_list`: one quarantined file.
    case quarantined(QuarantineEntry)
    case check(CheckReport)
    /// `metrics`: the Prometheus text exposition.
    case metrics(String)
    /// What a command that changes something did.
    case done(message: String)
    /// The end of a list: how many records came before it.
    case end(count: Int)
    case error(ErrorReply)

    /// The tag on the wire.
    public enum Kind: String, Codable, Sendable {
        case status, item, record, match, duplicate, quarantined, check, metrics, done, end, error
    }

    public var kind: Kind {
        switch self {
        case .status: .status
        case .item: .item
        case .record: .record
        case .match: .match
        case .duplicate: .duplicate
        case .quarantined: .quarantined
        case .check: .check
        case .metrics: .metrics
        case .done: .done
        case .end: .end
        case .error: .error
        }
    }

    public static func error(_ code: ErrorCode, _ message: String) -> Response {
        .error(ErrorReply(code: code, message: message))
    }

    /// `done`.
    public static func done(_ message: String) -> Response { .done(message: message) }
}

extension Response: Codable {
    enum CodingKeys: String, CodingKey {
        case version, type, status, item, record, match, duplicate, quarantined, check, metrics, message, count, error
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Kind.self, forKey: .type) {
        case .status: self = .status(try c.decode(StatusReport.self, forKey: .status))
        case .item: self = .item(try c.decode(ItemReply.self, forKey: .item))
        case .record: self = .record(try c.decode(ExportRecord.self, forKey: .record))
        case .match: self = .match(try c.decode(MatchRecord.self, forKey: .match))
        case .duplicate: self = .duplicate(try c.decode(DuplicateReply.self, forKey: .duplicate))
        case .quarantined: self = .quarantined(try c.decode(QuarantineEntry.self, forKey: .quarantined))
        case .check: self = .check(try c.decode(CheckReport.self, forKey: .check))
        case .metrics: self = .metrics(try c.decode(String.self, forKey: .metrics))
        case .done: self = .done(message: try c.decode(String.self, forKey: .message))
        case .end: self = .end(count: try c.decode(Int.self, forKey: .count))
        case .error: self = .error(try c.decode(ErrorReply.self, forKey: .error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ControlProtocol.version, forKey: .version)
        try c.encode(kind, forKey: .type)
        switch self {
        case .status(let report): try c.encode(report, forKey: .status)
        case .item(let reply): try c.encode(reply, forKey: .item)
        case .record(let record): try c.encode(record, forKey: .record)
        case .match(let match): try c.encode(match, forKey: .match)
        case .duplicate(let row): try c.encode(row, forKey: .duplicate)
        case .quarantined(let entry): try c.encode(entry, forKey: .quarantined)
        case .check(let report): try c.encode(report, forKey: .check)
        case .metrics(let text): try c.encode(text, forKey: .metrics)
        case .done(let message): try c.encode(message, forKey: .message)
        case .end(let count): try c.encode(count, forKey: .count)
        case .error(let error): try c.encode(error, forKey: .error)
        }
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
    public var code: ErrorCode
    public var message: String

    public init(code: ErrorCode, message: String) {
        self.code = code
        self.message = message
    }
}

/// A reply's payload type, so a client asks for the reply it expects by type and gets it out of
/// the union in one place: `client.receive(StatusReport.self)`.
public protocol ReplyPayload: Sendable {
    static var kind: Response.Kind { get }
    /// The payload of `response` when it is this kind of reply.
    init?(_ response: Response)
}

extension StatusReport: ReplyPayload {
    public static let kind = Response.Kind.status
    public init?(_ response: Response) { guard case .status(let payload) = response else { return nil }; self = payload }
}

extension ItemReply: ReplyPayload {
    public static let kind = Response.Kind.item
    public init?(_ response: Response) { guard case .item(let payload) = response else { return nil }; self = payload }
}

extension ExportRecord: ReplyPayload {
    public static let kind = Response.Kind.record
    public init?(_ response: Response) { guard case .record(let payload) = response else { return nil }; self = payload }
}

extension MatchRecord: ReplyPayload {
    public static let kind = Response.Kind.match
    public init?(_ response: Response) { guard case .match(let payload) = response else { return nil }; self = payload }
}

extension DuplicateReply: ReplyPayload {
    public static let kind = Response.Kind.duplicate
    public init?(_ response: Response) { guard case .duplicate(let payload) = response else { return nil }; self = payload }
}

extension QuarantineEntry: ReplyPayload {
    public static let kind = Response.Kind.quarantined
    public init?(_ response: Response) { guard case .quarantined(let payload) = response else { return nil }; self = payload }
}

extension CheckReport: ReplyPayload {
    public static let kind = Response.Kind.check
    public init?(_ response: Response) { guard case .check(let payload) = response else { return nil }; self = payload }
}

extension ErrorReply: ReplyPayload {
    public static let kind = Response.Kind.error
    public init?(_ response: Response) { guard case .error(let payload) = response else { return nil }; self = payload }
}
