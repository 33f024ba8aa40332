import ArticleStore
import ControlProtocol
import Foundation
import Glibc
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The control socket: newline-delimited JSON over a Unix stream socket (see ControlProtocol).
/// Plain channel handlers rather than NIO's async server API: that API can drop a connection
/// accepted just as the listener closes without finishing its writer, which traps. Here every
/// open connection is tracked and closed on shutdown.
final class ControlServer: Service, Sendable {
    let path: String
    let channel: any Channel
    let connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>
    let readers: NIOThreadPool
    let followers: FollowerPool
    let state: DaemonState
    let logger: Logger

    /// At most this many `export --follow` consumers at once.
    static let maxFollowers = 32

    /// Binds the socket now (so that start-up fails before any ingest when the path is taken);
    /// `run()` serves until graceful shutdown.
    static func bind(
        live: LiveSettings, store: StoreHandle, state: DaemonState, metrics: Metrics, logger: Logger,
        wake: @escaping @Sendable () -> Void, reload: @escaping @Sendable () async -> String
    ) async throws -> ControlServer {
        let settings = live.value
        if let warning = try SocketGuard.prepare(path: settings.socket) {
            logger.notice("\(warning)")
        }
        let commands = ControlCommands(live: live, store: store, state: state, metrics: metrics, wake: wake, reload: reload)
        let readers = NIOThreadPool(numberOfThreads: 2)
        readers.start()
        let followers = FollowerPool(capacity: maxFollowers)
        let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            // A client that shuts down its sending side still gets its replies.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                let id = ObjectIdentifier(child)
                let open = connections.withLockedValue { $0[id] = child; return $0.count }
                child.closeFuture.whenComplete { _ in _ = connections.withLockedValue { $0.removeValue(forKey: id) } }
                guard open <= settings.controlMaxConnections else {
                    return child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.addHandler(RefuseConnection(
                            reason: "too many control connections (\(settings.controlMaxConnections)); try again later"))
                    }
                }
                let idle = TimeAmount.milliseconds(Int64(live.value.controlIdleTimeout * 1000))
                // Who is calling decides what they may do: read SO_PEERCRED before any request.
                return PeerAccess.of(child).flatMapThrowing { access in
                    try child.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder()))
                    try child.pipeline.syncOperations.addHandler(
                        ControlConnectionHandler(commands: commands, readers: readers, followers: followers, access: access))
                }
            }
            .bind(unixDomainSocketPath: settings.socket)
            .get()
        // Connect (and so read) for the daemon's user and the socket's group, nothing for others.
        chmod(settings.socket, 0o660)
        if let group = settings.socketGroup {
            guard let entry = getgrnam(group) ?? UInt32(group).flatMap({ getgrgid($0) }) else {
                throw SettingsError(key: "socket_group", message: "no group \(group)")
            }
            guard chown(settings.socket, uid_t.max, entry.pointee.gr_gid) == 0 else {
                throw SettingsError(key: "socket_group", message: "cannot give the socket to group \(group): \(String(cString: strerror(errno)))")
            }
        }
        return ControlServer(
            path: settings.socket, channel: channel, connections: connections, readers: readers, followers: followers,
            state: state, logger: logger)
    }

    private init(path: String, channel: any Channel, connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>,
                 readers: NIOThreadPool, followers: FollowerPool, state: DaemonState, logger: Logger) {
        self.path = path
        self.channel = channel
        self.connections = connections
        self.readers = readers
        self.followers = followers
        self.state = state
        self.logger = logger
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            self.state.beginStopping()
            self.channel.close(promise: nil)
        }
        // Followers finish with an end record on their own; give them a moment, then close
        // whatever is still connected, idle clients included.
        for _ in 0..<20 where !connections.withLockedValue({ $0.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(25))
        }
        for connection in connections.withLockedValue({ Array($0.values) }) {
            try? await connection.close()
        }
        unlink(path)
        try? await readers.shutdownGracefully()
        await followers.shutdown()
    }
}

/// Answers a connection over the cap with one error line and closes it.
final class RefuseConnection: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let reason: String

    init(reason: String) { self.reason = reason }

    func channelActive(context: ChannelHandlerContext) {
        let line = (try? WireCoding.line(Response.error(.tooManyConnections, reason))) ?? []
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: line))).whenComplete { _ in channel.close(promise: nil) }
    }
}
