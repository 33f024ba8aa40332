import Foundation

/// Encoding and decoding of single lines, the same on both sides.
public enum WireCoding {
    /// One JSON object, no newline inside (JSON escapes them in strings), `\n` appended.
    public static func line(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return Array(try encoder.encode(value)) + [0x0A]
    }

    public static func decode<T: Decodable>(_ type: T.Type, from line: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(line))
    }

    /// Decodes a request, or says which error reply it deserves.
    public static func request(from line: some Collection<UInt8>) -> Result<Request, ErrorReplyReason> {
        guard line.count <= ControlProtocol.maxRequestBytes else {
            return .failure(.init(code: .requestTooLong, message: "request longer than \(ControlProtocol.maxRequestBytes) bytes"))
        }
        guard let envelope = try? decode(Envelope.self, from: line) else {
            return .failure(.init(code: .malformedRequest, message: "not a JSON object"))
        }
        guard let version = envelope.version else {
            return .failure(.init(code: .malformedRequest, message: "missing \"version\""))
        }
        guard version == ControlProtocol.version else {
            return .failure(.init(
                code: .unsupportedVersion,
                message: "protocol version \(version) not supported; this daemon speaks \(ControlProtocol.version)"))
        }
        guard let command = envelope.command, Request.Command(rawValue: command) != nil else {
            return .failure(.init(code: .unknownCommand, message: "unknown command \(envelope.command.map { "\"\($0)\"" } ?? "(none)")"))
        }
        do {
            return .success(try decode(Request.self, from: line))
        } catch {
            return .failure(.init(code: .invalidArgument, message: "bad arguments for \(command)"))
        }
    }
}

/// The two members every request must have, read before the rest.
private struct Envelope: Decodable {
    var version: Int?
    var command: String?
}

/// Why a request line gets an error reply.
public struct ErrorReplyReason: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String

    public init(code: ErrorCode, message: String) {
        self.code = code
        self.message = message
    }
}

/// RFC 3339 timestamps in UTC with milliseconds, from milliseconds since 1970.
public enum RFC3339 {
    public static func string(fromMilliseconds ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = ms - seconds * 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }
}
