import ControlProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One control connection: request lines in, reply lines out, in order. Each request runs on
/// a request lane (store reads block; see `RequestLanes`); its replies are written from there,
/// flushed every page and waited for, so a large export streams with back-pressure instead of
/// being built in memory. A client that stops reading holds its lane thread at most
/// `writeTimeout`: then its connection is closed, which frees the thread.
final class ControlConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = FramedLine
    typealias OutboundOut = ByteBuffer

    /// Lines written between flushes (and waits) while streaming a reply.
    static let linesPerFlush = 64

    let commands: ControlCommands
    let lanes: RequestLanes
    let writeTimeout: TimeAmount
    /// `export --follow` runs here: a follower holds a thread for as long as it follows, and must
    /// never take the readers' from ordinary requests.
    let followers: FollowerPool
    let access: PeerAccess
    private var pending: [FramedLine] = []
    private var busy = false
    /// The client shut down its sending side: close once every reply is written.
    private var inputClosed = false

    init(commands: ControlCommands, lanes: RequestLanes, followers: FollowerPool, access: PeerAccess, writeTimeout: TimeAmount) {
        self.commands = commands
        self.lanes = lanes
        self.writeTimeout = writeTimeout
        self.followers = followers
        self.access = access
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending.append(unwrapInboundIn(data))
        if !busy { startNext(context: context) }
    }

    private func startNext(context: ChannelHandlerContext) {
        guard !pending.isEmpty else {
            busy = false
            if inputClosed { context.close(promise: nil) }
            return
        }
        busy = true
        // Decoded once, here: the result both routes the request and is answered.
        let request = Self.decode(pending.removeFirst())
        let isFollow = (try? request.get()).map { $0.command == .export && $0.follow == true } ?? false
        let channel = context.channel
        let commands = self.commands
        let access = self.access
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let writeTimeout = self.writeTimeout
        let work: EventLoopFuture<Void>
        if isFollow {
            work = followers.run(on: context.eventLoop) {
                try Self.answer(request, commands: commands, access: access, channel: channel, writeTimeout: writeTimeout)
            }
        } else {
            work = lanes.run(privileged: access.mayChange, on: context.eventLoop) {
                // A client that went away meanwhile (it timed out waiting) does not get what it
                // asked to change: a `pause` must not happen minutes later.
                if case .success(let asked) = request, asked.command.isMutating, !channel.isActive { return }
                try commands.metrics.time(.query) {
                    try Self.answer(request, commands: commands, access: access, channel: channel, writeTimeout: writeTimeout)
                }
            }
        }
        work.whenComplete { result in
            let (handler, context) = bound.value
            if case .failure(let error) = result, error is FollowerPool.Full {
                let reply = try? WireCoding.line(Response.error(
                    .tooManyConnections, "too many followers (\(handler.followers.capacity)); try again later"))
                context.writeAndFlush(NIOAny(ByteBuffer(bytes: reply ?? [])), promise: nil)
                handler.startNext(context: context)
                return
            }
            if case .failure = result {
                context.close(promise: nil)
                return
            }
            handler.startNext(context: context)
        }
    }

    /// A request, or the error reply it deserves (too long, malformed, wrong version, unknown).
    private static func decode(_ frame: FramedLine) -> Result<Request, ErrorReplyReason> {
        switch frame {
        case .tooLong:
            .failure(ErrorReplyReason(code: .requestTooLong, message: "request longer than \(ControlProtocol.maxRequestBytes) bytes"))
        case .line(let buffer):
            WireCoding.request(from: buffer.readableBytesView)
        }
    }

    /// Runs on a reader (or follower) thread: runs the command, writes its replies.
    private static func answer(_ request: Result<Request, ErrorReplyReason>, commands: ControlCommands, access: PeerAccess,
                               channel: any Channel, writeTimeout: TimeAmount) throws {
        var unflushed = 0
        var last: EventLoopFuture<Void>?
        /// Waits for the written lines to leave; a client that does not read them within
        /// `writeTimeout` is cut off, which fails the write and frees this thread.
        func waitWritten() throws {
            guard let pending = last else { return }
            let cutOff = channel.eventLoop.scheduleTask(in: writeTimeout) { channel.close(promise: nil) }
            defer { cutOff.cancel() }
            try pending.wait()
        }
        func send(_ response: Response) throws {
            let line = try WireCoding.line(response)
            last = channel.write(ByteBuffer(bytes: line))
            unflushed += 1
            if unflushed >= linesPerFlush {
                channel.flush()
                try waitWritten()
                unflushed = 0
            }
        }
        switch request {
        case .failure(let reason):
            try send(.error(reason.code, reason.message))
        case .success(let request) where request.command.isMutating && !access.mayChange:
            try send(.error(.permissionDenied, "\(request.command.rawValue) is for root and the daemon's user (you are uid \(access.uid))"))
        case .success(let request) where request.command == .export && request.follow == true:
            try commands.export(request, isConnected: { channel.isActive }, send: { response in
                try send(response)
                // A follower's records go out as they come, not a page at a time.
                channel.flush()
            })
        case .success(let request):
            try commands.handle(request, send: send)
        }
        channel.flush()
        try waitWritten()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Silent for control_idle_timeout with nothing in progress (a follower is in progress).
        if event is IdleStateHandler.IdleStateEvent {
            if !busy { context.close(promise: nil) }
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            if !busy { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
