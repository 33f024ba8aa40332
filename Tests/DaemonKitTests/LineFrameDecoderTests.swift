@testable import DaemonKit
import NIOCore
import NIOEmbedded
import Testing

/// The control socket's framing, on NIO's embedded channel: bytes in, frames out, no socket.
@Suite struct LineFrameDecoderTests {
    private func frames(_ chunks: [String], maxLength: Int = 16, close: Bool = false) throws -> [String] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLength: maxLength)))
        for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
        if close { _ = try? channel.finish() }
        var out: [String] = []
        while let frame = try channel.readInbound(as: FramedLine.self) {
            switch frame {
            case .line(let buffer): out.append(String(buffer: buffer))
            case .tooLong: out.append("<too long>")
            }
        }
        if !close { _ = try channel.finish() }
        return out
    }

    @Test func splitsAtNewlinesAcrossReads() throws {
        #expect(try frames(["{\"a\":1}\n{\"b\"", ":2}\n", "\n"]) == ["{\"a\":1}", "{\"b\":2}", ""])
    }

    @Test func aLineOverTheLimitIsOneFrameAndTheNextLineIsRead() throws {
        // 20 bytes in pieces: never held whole; one stand-in, then the framing goes on.
        #expect(try frames(["0123456789", "0123456789", "012\nok\n"]) == ["<too long>", "ok"])
        #expect(try frames(["01234567890123456789\nok\n"]) == ["<too long>", "ok"])
    }

    @Test func aLineOfExactlyTheLimitIsALine() throws {
        #expect(try frames(["0123456789abcdef\n"]) == ["0123456789abcdef"])
    }

    @Test func aLastRequestWithoutItsNewlineIsAnsweredAtEndOfInput() throws {
        #expect(try frames(["{\"a\":1}\n{\"b\":2}"], close: true) == ["{\"a\":1}", "{\"b\":2}"])
    }
}
