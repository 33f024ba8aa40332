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
