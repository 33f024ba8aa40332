import Glibc
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `metrics_listen`'s HOST:PORT: "127.0.0.1:9464", "localhost:9464", "[::1]:9464".
struct HTTPEndpoint: Equatable {
    let host: String
    let port: Int

    init?(_ text: String) {
        let host: Substring, port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            if host.contains(":") { return nil }  // an IPv6 address goes in brackets
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace), let number = Int(port), (1...65_535).contains(number) else { return nil }
        self.host = String(host)
        self.port = number
    }
}

/// The optional HTTP listener Prometheus scrapes: `GET /metrics` answers the same exposition as
/// `newsdedupctl metrics`; anything else is 404 (another path) or 405 (another method). Off
/// unless `metrics_listen` is set. It reads what it reports on a control thread, never on the
/// event loop, and stops with the other services.
final class MetricsListener: Service, Sendable {
    let channel: any Channel

    /// Binds now, so that a taken port fails the start before any ingest.
    static func bind(_ endpoint: HTTPEndpoint, threads: WorkerThreads, logger: Logger,
                     exposition: @escaping @Sendable () -> String) async throws -> MetricsListener {
        let render: @Sendable () async -> String? = { await threads.run(on: .readers, exposition) }
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 16)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    child.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                        try child.pipeline.syncOperations.addHandler(MetricsHTTPHandler(render: render))
                    }
                }
                .bind(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            throw SettingsError(key: "metrics_listen", message: "cannot listen on \(endpoint.host):\(endpoint.port): \(Self.reason(error))")
        }
        let address = channel.localAddress.map { "\($0)" } ?? "\(endpoint.host):\(endpoint.port)"
        logger.info("serving /metrics over HTTP", metadata: ["address": "\(address)"])
        return MetricsListener(channel: channel)
    }

    private init(channel: any Channel) {
        self.channel = channel
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            self.channel.close(promise: nil)
        }
    }

    /// NIO's bind errors, as one sentence ("Address already in use").
    private static func reason(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }
}

/// One HTTP/1.1 connection: answers each request in order (keep-alive as the client asks).
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () async -> String?
    /// The request in hand, from its head to its end (used on the channel's loop only).
    private var pending: HTTPRequestHead?

    init(render: @escaping @Sendable () async -> String?) {
        self.render = render
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            pending = head
        case .body:
            break  // a GET has none worth reading
        case .end:
            guard let head = pending else { return }
            pending = nil
            answer(head, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == "/metrics" else { return respond(head, .notFound, "not found: only /metrics is served\n", context: context) }
        guard head.method == .GET || head.method == .HEAD else {
            return respond(head, .methodNotAllowed, "only GET\n", context: context, allow: true)
        }
        // The HTTP pipeline keeps the next request back until this one's end is written.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let promise = context.eventLoop.makePromise(of: String?.self)
        promise.completeWithTask { [render] in await render() }
        promise.futureResult.whenSuccess { body in
            let (handler, context) = bound.value
            guard let body else { return handler.respond(head, .serviceUnavailable, "stopping\n", context: context) }
            handler.respond(head, .ok, body, context: context)
        }
    }

    private func respond(_ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ body: String, context: ChannelHandlerContext,
                         allow: Bool = false) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: status == .ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        if allow { headers.add(name: "Allow", value: "GET, HEAD") }
        let keepAlive = request.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
