import Foundation
import PostgresNIO

/// Where a PostgreSQL store is, from a `postgresql://` URI in libpq's syntax:
/// `postgresql://[USER[:PASSWORD]@][HOST][:PORT][/DATABASE][?host=/socket/dir&port=…&user=…]`.
/// A host that starts with "/" (in the authority, or as `?host=`) is a Unix-socket directory, as
/// libpq has it. TLS is not offered yet: `sslmode` other than `disable` or `prefer` is refused.
public struct PostgresLocation: Sendable, Equatable {
    public var host: String?
    public var socketDirectory: String?
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    /// Whether `text` names a PostgreSQL store rather than a SQLite file.
    public static func isURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Parses `uri`; the error says what is wrong with it, in a sentence.
    public init(uri: String) throws(PostgresLocationError) {
        guard let schemeEnd = uri.range(of: "://"), Self.isURI(uri) else {
            throw PostgresLocationError("\(Self.redacted(uri)) is not a postgresql:// URI")
        }
        var rest = Substring(uri[schemeEnd.upperBound...])
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user: String?, password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = try Self.decode(credentials[..<colon])
                password = try Self.decode(credentials[credentials.index(after: colon)...])
            } else {
                user = try Self.decode(credentials)
            }
        }
        var host: String?, port = 5432
        if !rest.isEmpty {
            if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
                guard let number = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(number) else {
                    throw PostgresLocationError("the port in \(Self.redacted(uri)) is not a number from 1 to 65535")
                }
                port = number
                rest = rest[..<colon]
            }
            host = try Self.decode(rest)
        }
        var database = try path.isEmpty ? nil : Self.decode(path)
        for pair in query.split(separator: "&") where !pair.isEmpty {
            guard let equals = pair.firstIndex(of: "=") else {
                throw PostgresLocationError("\"\(pair)\" in \(Self.redacted(uri)) is not KEY=VALUE")
            }
            let key = String(pair[..<equals]), value = try Self.decode(pair[pair.index(after: equals)...])
            switch key {
            case "host": host = value
            case "port":
                guard let number = Int(value), (1...65_535).contains(number) else {
                    throw PostgresLocationError("port=\(value) in \(Self.redacted(uri)) is not a number from 1 to 65535")
                }
                port = number
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "sslmode":
                guard ["disable", "prefer", "allow"].contains(value) else {
                    throw PostgresLocationError("sslmode=\(value): newsdedup does not speak TLS to PostgreSQL yet; "
                        + "use a Unix socket or a trusted network with sslmode=disable")
                }
            case "application_name", "connect_timeout": break
            default:
                throw PostgresLocationError("\(key) in \(Self.redacted(uri)) is not a parameter newsdedup knows "
                    + "(host, port, user, password, dbname, sslmode)")
            }
        }
        if let directory = host, directory.hasPrefix("/") {
            socketDirectory = directory
            self.host = nil
        } else {
            self.host = host ?? "localhost"
            socketDirectory = nil
        }
        guard let user, !user.isEmpty else {
            throw PostgresLocationError("\(Self.redacted(uri)) names no user (postgresql://USER@HOST/DATABASE)")
        }
        self.user = user
        self.password = password
        self.port = port
        self.database = database ?? user
    }

    /// How long a session may sit inside a transaction without a statement before the server
    /// ends it (and frees the global lock it holds).
    public static let idleInTransactionSeconds = 15

    /// How long the daemon waits for any answer (the global lock's included: its holders are
    /// bounded by the timeout above) before it takes the server for unreachable.
    public static let statementDeadlineSeconds = 60

    /// The connection settings postgres-nio takes.
    var configuration: PostgresConnection.Configuration {
        var configuration = if let socketDirectory {
            PostgresConnection.Configuration(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                                             database: database)
        } else {
            PostgresConnection.Configuration(host: host ?? "localhost", port: port, username: user, password: password,
                                             database: database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(10)
        // A daemon whose host vanishes while it holds the global lock must not stall the others
        // for long: the server ends a session left idle inside a transaction (a batch's
        // statements follow each other within milliseconds), and probes a silent TCP peer.
        configuration.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", "\(Self.idleInTransactionSeconds)s"),
            ("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"), ("tcp_keepalives_count", "3"),
        ]
        return configuration
    }

    /// The URI as logs and errors show it: the password replaced.
    public var display: String {
        let place = socketDirectory.map { "?host=\($0)" } ?? ""
        let server = host.map { "\($0):\(port)" } ?? ""
        return "postgresql://\(user)\(password == nil ? "" : ":***")@\(server)/\(database)\(place)"
    }

    static func redacted(_ uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://"), let at = uri[schemeEnd.upperBound...].firstIndex(of: "@") else { return uri }
        let credentials = uri[schemeEnd.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return uri }
        return String(uri[..<colon]) + ":***" + String(uri[at...])
    }

    private static func decode(_ text: Substring) throws(PostgresLocationError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw PostgresLocationError("\"\(text)\" has a malformed %-escape")
        }
        return decoded
    }
}

public struct PostgresLocationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
