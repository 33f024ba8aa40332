import ArticleStore
import ControlProtocol
import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The control socket: newline-delimited JSON over a Unix stream socket (see ControlProtocol).
/// Each connection is served in its own task; store reads run on a small thread pool so neither
/// the event loops nor the ingest thread wait on them. A bad request gets an error reply and the
/// connection stays usable.
final class ControlServer: Service, Sendable {
    typealias Connection = NIOAsyncChannel<FramedLine, ByteBuffer>

    let path: String
    let channel: NIOAsyncChannel<Connection, Never>
    let commands: ControlCommands
    let logger: Logger
    let readers: NIOThreadPool

    /// Binds the socket now (so that start-up fails before any ingest when the path is taken);
    /// serving starts in `run()`.
    static func bind(settings: DaemonSettings, store: StoreHandle, state: DaemonState, logger: Logger) async throws -> ControlServer {
        try SocketGuard.prepare(path: settings.socket)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            // A client that shuts down its sending side still gets its replies.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(unixDomainSocketPath: settings.socket) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder()))
                    return try Connection(wrappingChannelSynchronously: child)
                }
            }
        // Read-only for the group, nothing for others; finer access control is the CLI issue's.
        chmod(settings.socket, 0o660)
        let readers = NIOThreadPool(numberOfThreads: 2)
        readers.start()
        return ControlServer(
            path: settings.socket, channel: channel,
            commands: ControlCommands(settings: settings, store: store, state: state), logger: logger, readers: readers)
    }

    private init(path: String, channel: NIOAsyncChannel<Connection, Never>, commands: ControlCommands, logger: Logger, readers: NIOThreadPool) {
        self.path = path
        self.channel = channel
        self.commands = commands
        self.logger = logger
        self.readers = readers
    }

    func run() async throws {
        defer { unlink(path) }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await channel.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.channel.channel.close(promise: nil)
        }
        try? await readers.shutdownGracefully()
    }

    private func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                // Idle clients must not hold up shutdown: iteration ends when it begins.
                for try await frame in inbound.cancelOnGracefulShutdown() {
                    let lines = try await readers.runIfActive { () throws -> [[UInt8]] in
                        var lines: [[UInt8]] = []
                        try self.respond(to: frame) { lines.append(try WireCoding.line($0)) }
                        return lines
                    }
                    for line in lines { try await outbound.write(ByteBuffer(bytes: line)) }
                }
            }
        } catch {
            logger.debug("control connection ended", metadata: ["error": "\(error)"])
        }
    }

    private func respond(to frame: FramedLine, send: (Response) throws -> Void) throws {
        switch frame {
        case .tooLong:
            try send(.error(.requestTooLong, "request longer than \(ControlProtocol.maxRequestBytes) bytes"))
        case .line(let buffer):
            switch WireCoding.request(from: buffer.readableBytesView) {
            case .failure(let reason): try send(.error(reason.code, reason.message))
            case .success(let request): try commands.handle(request, send: send)
            }
        }
    }
}
