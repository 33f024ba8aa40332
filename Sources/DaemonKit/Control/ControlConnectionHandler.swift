import ControlProtocol
import NIOCore
import NIOExtras
import NIOPosix
import Synchronization

/// One control connection: request lines in, reply lines out, in order. Each request is
/// answered by a task (`ControlCommands`, whose blocking reads run on a control thread); its
/// replies are written as they come, flushed every page and awaited, so a large export streams
/// with back-pressure instead of being built in memory, and a client that stops reading holds
/// no thread. One that does not read for `writeTimeout` is cut off.
final class ControlConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = FramedLine
    typealias OutboundOut = ByteBuffer

    /// Lines written between flushes (and waits) while streaming a reply.
    static let linesPerFlush = 64

    let commands: ControlCommands
    let writeTimeout: TimeAmount
    /// `export --follow` consumers at once, across connections.
    let followers: FollowerSlots
    let access: PeerAccess
    private var pending: [FramedLine] = []
    private var busy = false
    /// The client shut down its sending side: close once every reply is written.
    private var inputClosed = false

    init(commands: ControlCommands, followers: FollowerSlots, access: PeerAccess, writeTimeout: TimeAmount) {
        self.commands = commands
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
        if isFollow, !followers.take() {
            let reply = try? WireCoding.line(Response.error(
                .tooManyConnections, "too many followers (\(followers.capacity)); try again later"))
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: reply ?? [])), promise: nil)
            return startNext(context: context)
        }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let mutating = (try? request.get())?.command.isMutating ?? false
        let job = Job(request: request, mutating: mutating, isFollow: isFollow, commands: commands, access: access,
                      channel: context.channel, writeTimeout: writeTimeout)
        let followers = followers
        Task {
            let answered = await job.serve()
            if isFollow { followers.give() }
            job.channel.eventLoop.execute {
                if answered {
                    handler.value.startNext(context: boundContext.value)
                } else {
                    boundContext.value.close(promise: nil)
                }
            }
        }
    }

    /// One request to answer, with what answering it needs.
    struct Job: Sendable {
        let request: Result<Request, ErrorReplyReason>
        let mutating: Bool
        let isFollow: Bool
        let commands: ControlCommands
        let access: PeerAccess
        let channel: any Channel
        let writeTimeout: TimeAmount

        func serve() async -> Bool {
            await ControlConnectionHandler.serve(request, mutating: mutating, isFollow: isFollow, commands: commands, access: access,
                                                 channel: channel, writeTimeout: writeTimeout)
        }
    }

    /// Answers one request; false when the connection must close (a write failed or timed out).
    private static func serve(_ request: Result<Request, ErrorReplyReason>, mutating: Bool, isFollow: Bool, commands: ControlCommands,
                              access: PeerAccess, channel: any Channel, writeTimeout: TimeAmount) async -> Bool {
        // A client that went away meanwhile does not get what it asked to change: a `pause`
        // must not happen minutes later.
        if mutating, !channel.isActive { return true }
        let start = ContinuousClock.now
        do {
            try await answer(request, commands: commands, access: access, channel: channel, writeTimeout: writeTimeout)
        } catch {
            return false
        }
        // A follower's time is its client's, not the daemon's.
        if !isFollow { commands.metrics.observe(.query, seconds: seconds(since: start)) }
        return true
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

    /// Runs the command and writes its replies.
    private static func answer(_ request: Result<Request, ErrorReplyReason>, commands: ControlCommands, access: PeerAccess,
                               channel: any Channel, writeTimeout: TimeAmount) async throws {
        let writer = ReplyWriter(channel: channel, writeTimeout: writeTimeout)
        switch request {
        case .failure(let reason):
            try await writer.send(.error(reason.code, reason.message))
        case .success(let request) where request.command.isMutating && !access.mayChange:
            try await writer.send(.error(.permissionDenied, "\(request.command.rawValue) is for root and the daemon's user (you are uid \(access.uid))"))
        case .success(let request) where request.command == .export && request.follow == true:
            try await commands.export(request, pool: access.mayChange ? .operators : .readers, isConnected: { channel.isActive },
                                      send: { response in
                                          try await writer.send(response)
                                          // A follower's records go out as they come, not a page at a time.
                                          channel.flush()
                                      })
        case .success(let request):
            try await commands.handle(request, privileged: access.mayChange, send: writer.send)
        }
        try await writer.finish()
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Silent for control_idle_timeout with nothing in progress (a follower is in progress).
        if event is IdleStateHandler.IdleStateEvent {
            if !busy { context.close(promise: nil) }
            return
        }
        // The daemon is stopping (NIOExtras' quiescing): close once the reply in hand is written.
        if event is ChannelShouldQuiesceEvent {
            inputClosed = true
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

/// Writes one request's reply lines: flushed and awaited every `linesPerFlush` lines and at the
/// end. A client that does not take them within `writeTimeout` is cut off, which fails the
/// write and ends the request. Used by the one task answering the request.
final class ReplyWriter {
    let channel: any Channel
    let writeTimeout: TimeAmount
    private var unflushed = 0
    private var last: EventLoopFuture<Void>?

    init(channel: any Channel, writeTimeout: TimeAmount) {
        self.channel = channel
        self.writeTimeout = writeTimeout
    }

    func send(_ response: Response) async throws {
        let line = try WireCoding.line(response)
        last = channel.write(ByteBuffer(bytes: line))
        unflushed += 1
        if unflushed >= ControlConnectionHandler.linesPerFlush {
            try await finish()
        }
    }

    /// Flushes what is written and waits until it has left.
    func finish() async throws {
        channel.flush()
        unflushed = 0
        guard let pending = last else { return }
        let channel = channel
        let cutOff = channel.eventLoop.scheduleTask(in: writeTimeout) { channel.close(promise: nil) }
        defer { cutOff.cancel() }
        try await pending.get()
    }
}

/// How many `export --follow` consumers may be served at once: one more is told so (error
/// 8004) rather than left waiting behind the others. A follower waiting for commits holds no
/// thread; the cap bounds the connections a group's readers can keep busy.
final class FollowerSlots: Sendable {
    let capacity: Int
    private let active = Atomic<Int>(0)

    init(capacity: Int) { self.capacity = capacity }

    func take() -> Bool {
        while true {
            let current = active.load(ordering: .relaxed)
            guard current < capacity else { return false }
            if active.compareExchange(expected: current, desired: current + 1, ordering: .relaxed).exchanged { return true }
        }
    }

    func give() { active.subtract(1, ordering: .relaxed) }
}
