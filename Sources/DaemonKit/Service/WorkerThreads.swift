import Foundation
import NIOPosix

/// Every thread the daemon starts besides NIO's event loops and Swift's cooperative pool, and
/// what each is for. The daemon is async from end to end; work that blocks in a system call
/// (file I/O, SQLite, `poll`) is handed to one of these pools and awaited, so the cooperative
/// pool never waits for a disk. Nothing else in the daemon starts a thread.
final class WorkerThreads: Sendable {
    enum Pool: Sendable {
        /// Claiming, reading and fingerprinting (one task per lane), the commit, the move to
        /// processed/, and the wait for the inbox.
        case ingest
        /// Control requests of root and the daemon's user: `status`, `pause` and `metrics` always
        /// get a thread, whatever the group's readers ask.
        case operators
        /// Control requests of the socket group's readers, and the followers' page reads.
        case readers
    }

    /// Preparation lanes: one per core, at most four (past that the commit is the bottleneck).
    static let lanes = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))

    private let ingest: NIOThreadPool
    private let operators: NIOThreadPool
    private let readers: NIOThreadPool

    /// Runs `body` with the threads, and lets them go after it, however it ends (a pool that is
    /// not shut down traps when it is freed).
    static func with<T>(control: Bool, _ body: (WorkerThreads) async throws -> T) async throws -> T {
        let threads = WorkerThreads(control: control)
        do {
            let result = try await body(threads)
            await threads.shutdown()
            return result
        } catch {
            await threads.shutdown()
            throw error
        }
    }

    /// `control`: false for `--once`, which serves no socket.
    private init(control: Bool) {
        // Every lane, the committer and the mover at once, and the watcher between passes.
        ingest = NIOThreadPool(numberOfThreads: Self.lanes + 3)
        operators = NIOThreadPool(numberOfThreads: control ? 1 : 0)
        readers = NIOThreadPool(numberOfThreads: control ? 2 : 0)
        for pool in [ingest, operators, readers] { pool.start() }
    }

    /// Runs `body` on a thread of `pool` and returns its result; nil when it was not run (the
    /// pools are shut down, or the awaiting task was cancelled).
    func run<T: Sendable>(on pool: Pool, _ body: @escaping @Sendable () -> T) async -> T? {
        try? await threads(pool).runIfActive(body)
    }

    private func threads(_ pool: Pool) -> NIOThreadPool {
        switch pool {
        case .ingest: ingest
        case .operators: operators
        case .readers: readers
        }
    }

    func shutdown() async {
        for pool in [ingest, operators, readers] { try? await pool.shutdownGracefully() }
    }
}
