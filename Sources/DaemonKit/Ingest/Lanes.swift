import Foundation

/// Threads for the preparation lanes and for the work done beside a commit. Plain threads, not
/// Dispatch's pool: on Linux that pool has one thread per core and also runs Swift concurrency,
/// so a caller that holds one of its threads (`--once` runs inside the async main) left
/// `concurrentPerform` a single lane. A thread costs some tens of microseconds to start; a
/// batch takes milliseconds.
enum Lanes {
    /// Runs `body(lane)` for every lane in `0..<count` at once, lane 0 on the calling thread, and
    /// returns when all are done.
    static func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let done = DispatchGroup()
        for lane in 1..<max(1, count) {
            done.enter()
            Thread.detachNewThread {
                body(lane)
                done.leave()
            }
        }
        body(0)
        done.wait()
    }

    /// Starts `work` on a thread of its own; `wait()` on the result to join it.
    static func beside(_ work: @escaping @Sendable () -> Void) -> DispatchGroup {
        let done = DispatchGroup()
        done.enter()
        Thread.detachNewThread {
            work()
            done.leave()
        }
        return done
    }
}
