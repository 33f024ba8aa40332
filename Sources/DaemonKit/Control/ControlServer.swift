import ArticleStore
import ControlProtocol
import Foundation
import Glibc
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
import SystemSupport

/// The control socket: newline-delimited JSON over a Unix stream socket (see ControlProtocol).
/// Plain channel handlers rather than NIO's async server API: that API can drop a connection
/// accepted just as the listener closes without finishing its writer, which traps. Shutdown is
/// NIOExtras' quiescing: the listener closes, every open connection is told to finish what it
/// is answering and close, and the server waits for them (a bounded while).
final class ControlServer: Service, Sendable {
    let path: String
    let channel: any Channel
    /// What the socket answers with; the metrics listener renders through it too.
    let commands: ControlCommands
    let quiesce: ServerQuiescingHelper
    let state: DaemonState
    let logger: Logger

    /// At most this many `export --follow` consumers at once.
    static let maxFollowers = 32

    /// Binds the socket now (so that start-up fails before any ingest when the path is taken);
    /// `run()` serves until graceful shutdown.
    static func bind(
        live: LiveSettings, store: StoreHandle, state: DaemonState, metrics: Metrics, threads: WorkerThreads, logger: Logger,
        wake: @escaping @Sendable () -> Void, reload: @escaping @Sendable () async -> ReloadResult
    ) async throws -> ControlServer {
        let settings = live.value
        if let warning = try SocketGuard.prepare(path: settings.socket) {
            logger.notice("\(warning)")
        }
        let commands = ControlCommands(
            live: live, store: store, state: state, metrics: metrics, threads: threads, wake: wake, reload: reload)
        let followers = FollowerSlots(capacity: maxFollowers)
        let quiesce = ServerQuiescingHelper(group: MultiThreadedEventLoopGroup.singleton)
        let limits = ConnectionLimits(configured: settings.controlMaxConnections)
        if limits.total < settings.controlMaxConnections {
            logger.warning("control_max_connections lowered to what the descriptor limit allows", metadata: [
                "configured": "\(settings.controlMaxConnections)", "allowed": "\(limits.total)",
                "descriptor_limit": "\(limits.descriptorLimit)", "kept_for_ingest": "\(ConnectionLimits.reservedDescriptors)",
            ])
        }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelInitializer { server in
                server.eventLoop.makeCompletedFuture {
                    try server.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: server))
                }
            }
            // A client that shuts down its sending side still gets its replies.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                let id = ObjectIdentifier(child)
                child.closeFuture.whenComplete { _ in limits.release(id) }
                let idle = TimeAmount.milliseconds(Int64(live.value.controlIdleTimeout * 1000))
                // Who is calling decides what they may do: read SO_PEERCRED before any request.
                return PeerAccess.of(child).flatMapThrowing { access in
                    // The group's readers cannot take the last connections: root and the
                    // daemon's user always get in (see `ConnectionLimits`).
                    if let refusal = limits.admit(id, privileged: access.mayChange) {
                        try child.pipeline.syncOperations.addHandler(RefuseConnection(reason: refusal))
                        return
                    }
                    try child.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder()))
                    try child.pipeline.syncOperations.addHandler(
                        ControlConnectionHandler(commands: commands, followers: followers, access: access, writeTimeout: idle))
                }
            }
            .bind(unixDomainSocketPath: settings.socket)
            .get()
        // Connect (and so read) for the daemon's user and the socket's group, nothing for others.
        chmod(settings.socket, 0o660)
        if let group = settings.socketGroup {
            do throws(SettingsError) {
                try giveSocket(settings.socket, to: group)
            } catch {
                // Exiting over the setting: the socket must not stay behind, bound to nobody.
                try? await channel.close()
                unlink(settings.socket)
                throw error
            }
        }
        return ControlServer(
            path: settings.socket, channel: channel, commands: commands, quiesce: quiesce, state: state, logger: logger)
    }

    /// Gives the socket file to `group`, which the daemon's user must belong to (no privilege
    /// is needed then, and the unit grants none). Under the shipped unit the chown family is
    /// allowed by its system-call filter for exactly this.
    private static func giveSocket(_ path: String, to group: String) throws(SettingsError) {
        guard let id = SystemGroup.id(of: group) else {
            throw SettingsError(key: "socket_group", message: "no group \(group) on this system")
        }
        var info = stat()
        if stat(path, &info) == 0, info.st_gid == id { return }  // a set-group-id directory gave it already
        guard chown(path, uid_t.max, id) == 0 else {
            let code = errno
            let hint = SystemGroup.isMember(id) ? "" : " (the daemon's user is not a member of \(group): add it, e.g. SupplementaryGroups=\(group) in the unit)"
            throw SettingsError(key: "socket_group", message: "cannot give the socket to group \(group): \(String(cString: strerror(code)))\(hint)")
        }
    }

    private init(path: String, channel: any Channel, commands: ControlCommands, quiesce: ServerQuiescingHelper, state: DaemonState, logger: Logger) {
        self.path = path
        self.channel = channel
        self.commands = commands
        self.quiesce = quiesce
        self.state = state
        self.logger = logger
    }

    /// Closes the socket when the start fails after it was bound: it must not stay behind.
    func abandon() async {
        try? await channel.close()
        unlink(path)
    }

    func run() async throws {
        let closed = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            // Followers finish with an end record; idle connections close at once, busy ones
            // after the reply in hand; the listener closes first.
            self.state.beginStopping()
            self.quiesce.initiateShutdown(promise: closed)
        }
        // A client reading a long reply slowly is not waited for past this: the process ends.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await closed.futureResult.get() }
            group.addTask { try? await Task.sleep(for: .seconds(2)) }
            await group.next()
            group.cancelAll()
        }
        // Had the listener closed some other way, the promise must still be completed.
        closed.succeed()
        unlink(path)
    }
}

/// Answers a connection over the cap with one error line and closes it.
/// Added once the peer's credentials are known, which may be before or after the connection
/// is active: it answers at whichever comes last.
final class RefuseConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let reason: String
    private var answered = false

    init(reason: String) { self.reason = reason }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
        context.fireChannelActive()
    }

    private func refuse(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let line = (try? WireCoding.line(Response.error(.tooManyConnections, reason))) ?? []
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: line))).whenComplete { _ in channel.close(promise: nil) }
    }
}
