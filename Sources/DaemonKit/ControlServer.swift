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
    let logger: Logger

    /// Binds the socket now (so that start-up fails before any ingest when the path is taken);
    /// `run()` serves until graceful shutdown.
    static func bind(
        settings: DaemonSettings, store: StoreHandle, state: DaemonState, metrics: Metrics, logger: Logger,
        wake: @escaping @Sendable () -> Void
    ) async throws -> ControlServer {
        try SocketGuard.prepare(path: settings.socket)
        let commands = ControlCommands(settings: settings, store: store, state: state, metrics: metrics, wake: wake)
        let readers = NIOThreadPool(numberOfThreads: 2)
        readers.start()
        let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            // A client that shuts down its sending side still gets its replies.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                let id = ObjectIdentifier(child)
                connections.withLockedValue { $0[id] = child }
                child.closeFuture.whenComplete { _ in _ = connections.withLockedValue { $0.removeValue(forKey: id) } }
                // Who is calling decides what they may do: read SO_PEERCRED before any request.
                return PeerAccess.of(child).flatMapThrowing { access in
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder()))
                    try child.pipeline.syncOperations.addHandler(
                        ControlConnectionHandler(commands: commands, readers: readers, access: access))
                }
            }
            .bind(unixDomainSocketPath: settings.socket)
            .get()
        // Read and write for the group, nothing for others; finer access control comes with the CLI issue.
        chmod(settings.socket, 0o660)
        return ControlServer(path: settings.socket, channel: channel, connections: connections, readers: readers, logger: logger)
    }

    private init(path: String, channel: any Channel, connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>,
                 readers: NIOThreadPool, logger: Logger) {
        self.path = path
        self.channel = channel
        self.connections = connections
        self.readers = readers
        self.logger = logger
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            self.channel.close(promise: nil)
        }
        // The listener is closed: close what is still connected, idle clients included.
        for connection in connections.withLockedValue({ Array($0.values) }) {
            try? await connection.close()
        }
        unlink(path)
        try? await readers.shutdownGracefully()
    }
}
