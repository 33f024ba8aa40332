import Synchronization

/// Commit notifications for `export --follow`: a generation that moves on with every commit,
/// and the tasks waiting for it to. A waiting follower is a suspended task, not a thread.
final class CommitSignal: Sendable {
    private struct Waiting {
        var generation: UInt64 = 0
        var stopped = false
        var next = 0
        var tasks: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let waiting = Mutex(Waiting())

    /// Commits so far; pass it to `wait(after:timeout:)` to wait for the next.
    var generation: UInt64 { waiting.withLock { $0.generation } }

    /// A batch was committed: every waiting task goes on.
    func notify() { wakeAll { $0.generation += 1 } }

    /// Shutdown: every waiting task goes on, and no later wait waits.
    func stop() { wakeAll { $0.stopped = true } }

    private func wakeAll(after change: (inout Waiting) -> Void) {
        let woken = waiting.withLock { waiting in
            change(&waiting)
            defer { waiting.tasks = [:] }
            return Array(waiting.tasks.values)
        }
        for task in woken { task.resume() }
    }

    /// Returns after a commit later than `generation`, at shutdown, or after `timeout`,
    /// whichever comes first.
    func wait(after generation: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.next(after: generation) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func next(after generation: UInt64) async {
        let key = waiting.withLock { waiting in
            waiting.next += 1
            return waiting.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (task: CheckedContinuation<Void, Never>) in
                let now = waiting.withLock { waiting in
                    // Cancelled before it got here: the handler found nothing to resume.
                    if waiting.generation != generation || waiting.stopped || Task.isCancelled { return true }
                    waiting.tasks[key] = task
                    return false
                }
                if now { task.resume() }
            }
        } onCancel: {
            waiting.withLock { $0.tasks.removeValue(forKey: key) }?.resume()
        }
    }
}
