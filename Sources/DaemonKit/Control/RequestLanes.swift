import NIOCore
import NIOPosix

/// Where control requests run (store reads block, so never on an event loop): one lane for
/// root and the daemon's user, another for the socket group's readers. A reader who asks for a
/// large export and never reads can hold its lane until the write times out, but never the
/// operators': `status`, `pause` and `metrics` from root always get through.
final class RequestLanes: Sendable {
    private let operators = NIOThreadPool(numberOfThreads: 1)
    private let readers = NIOThreadPool(numberOfThreads: 2)

    init() {
        operators.start()
        readers.start()
    }

    func run(privileged: Bool, on eventLoop: any EventLoop, _ body: @escaping @Sendable () throws -> Void) -> EventLoopFuture<Void> {
        (privileged ? operators : readers).runIfActive(eventLoop: eventLoop, body)
    }

    func shutdown() async {
        try? await operators.shutdownGracefully()
        try? await readers.shutdownGracefully()
    }
}
