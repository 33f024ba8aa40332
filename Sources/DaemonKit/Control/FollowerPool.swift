import ControlProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Threads for `export --follow`, at most `capacity` followers at once: one more is told so
/// (error 8004) rather than left waiting behind the others.
final class FollowerPool: Sendable {
    let capacity: Int
    private let pool: NIOThreadPool
    private let active = NIOLockedValueBox(0)

    struct Full: Error {}

    init(capacity: Int) {
        self.capacity = capacity
        pool = NIOThreadPool(numberOfThreads: capacity)
        pool.start()
    }

    func run(on eventLoop: any EventLoop, _ body: @escaping @Sendable () throws -> Void) -> EventLoopFuture<Void> {
        let admitted = active.withLockedValue { count in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard admitted else {
            return eventLoop.makeFailedFuture(Full())
        }
        return pool.runIfActive(eventLoop: eventLoop) {
            defer { self.active.withLockedValue { $0 -= 1 } }
            try body()
        }
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
