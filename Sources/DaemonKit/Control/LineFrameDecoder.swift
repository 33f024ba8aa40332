import ControlProtocol
import NIOCore

/// A request line, or the news that one was too long (and has been thrown away unread).
enum FramedLine: Sendable {
    case line(ByteBuffer)
    case tooLong
}

/// Splits the byte stream at `\n`. A line longer than `maxLength` is never buffered whole: its
/// bytes are dropped as they arrive and a single `.tooLong` stands in for it, so a client
/// cannot make the daemon hold more than `maxLength` bytes of a request.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = FramedLine

    let maxLength: Int
    private var discarding = false

    init(maxLength: Int = ControlProtocol.maxRequestBytes) { self.maxLength = maxLength }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maxLength {
                if !discarding { context.fireChannelRead(wrapInboundOut(.tooLong)) }
                discarding = true
                buffer.moveReaderIndex(to: buffer.writerIndex)
            }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        if discarding || length > maxLength {
            if !discarding { context.fireChannelRead(wrapInboundOut(.tooLong)) }
            discarding = false
            buffer.moveReaderIndex(forwardBy: length + 1)
            return .continue
        }
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A last request without its newline still gets an answer.
        if buffer.readableBytes > 0, !discarding, let line = buffer.readSlice(length: buffer.readableBytes) {
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        return .needMoreData
    }
}
