import ControlProtocol
import SystemSupport
import Testing

@Suite struct WireCodingTests {
    private func code(_ line: String) -> ErrorCode? {
        if case .failure(let reason) = WireCoding.request(from: Array(line.utf8)) { return reason.code }
        return nil
    }

    @Test func everyBadRequestGetsItsErrorCode() {
        #expect(code("not json") == .malformedRequest)
        #expect(code("[1,2]") == .malformedRequest)
        #expect(code(#"{"command":"status"}"#) == .malformedRequest, "no version")
        #expect(code(#"{"version":99,"command":"status"}"#) == .unsupportedVersion)
        #expect(code(#"{"version":\#(ControlProtocol.version),"command":"fly"}"#) == .unknownCommand)
        #expect(code(#"{"version":\#(ControlProtocol.version)}"#) == .unknownCommand)
        #expect(code(#"{"version":\#(ControlProtocol.version),"command":"show","id":"seven"}"#) == .invalidArgument)
        #expect(code(String(repeating: " ", count: ControlProtocol.maxRequestBytes + 1)) == .requestTooLong)
    }

    @Test func aGoodRequestDecodesWithItsArguments() throws {
        let line = #"{"version":\#(ControlProtocol.version),"command":"export","since":41,"limit":2,"follow":true}"#
        let request = try WireCoding.request(from: Array(line.utf8)).get()
        #expect(request.command == .export)
        #expect(request.since == 41 && request.limit == 2 && request.follow == true)
    }

    @Test func aLineIsOneObjectEndingInOneNewline() throws {
        let bytes = try WireCoding.line(Response.error(.notFound, "no article 7\nreally"))
        #expect(bytes.last == 0x0A)
        #expect(bytes.dropLast().contains(0x0A) == false, "newlines inside strings are escaped")
        let back = try WireCoding.decode(Response.self, from: bytes.dropLast())
        #expect(back == .error(.notFound, "no article 7\nreally"))
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"error":{"code":8002,"#), "codes stay numbers on the wire")
    }
}

/// Known answers, worked by hand from the calendar.
@Suite struct RFC3339Tests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1), "1970-01-01T00:00:00.001Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),  // a leap day of a year divisible by 400
        (Int64(4_107_542_399_999), "2100-02-28T23:59:59.999Z"),  // 2100 is not a leap year
        (Int64(4_107_542_400_000), "2100-03-01T00:00:00.000Z"),
        (Int64(1_795_824_000_123), "2026-11-28T00:00:00.123Z"),
    ])
    func formatsMillisecondsInUTC(milliseconds: Int64, expected: String) {
        #expect(RFC3339.string(fromMilliseconds: milliseconds) == expected)
    }
}
