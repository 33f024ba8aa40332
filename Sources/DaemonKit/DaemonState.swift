import ArticleStore
import Foundation
import Synchronization

/// What the ingest loop tells the control server: shared, small, behind one lock.
public final class DaemonState: Sendable {
    public enum Health: String, Sendable { case running, paused, degraded }

    struct Snapshot {
        var degraded = false
        var paused = false
        var lastError: String?
        var backlog = 0
        /// Modification time (ns since 1970) of the oldest file waiting, at the last poll.
        var oldestWaiting: Int64?
        var totals = StoreTotals()
        /// (when, files) per commit over the last minute, for the throughput in `status`.
        var recentCommits: [(at: ContinuousClock.Instant, files: Int)] = []
    }

    private let snapshot = Mutex(Snapshot())
    private let started = ContinuousClock.now
    /// Signalled after every commit, so `export --follow` sends new records without polling hard.
    private let commits = NSCondition()
    private let commitCount = Atomic<UInt64>(0)
    private let stoppingFlag = Atomic<Bool>(false)

    public init() {}

    /// Degraded (the store is failing) outranks paused (an operator's choice).
    public var health: Health {
        snapshot.withLock { $0.degraded ? .degraded : $0.paused ? .paused : .running }
    }
    public var isDegraded: Bool { snapshot.withLock { $0.degraded } }
    public var isPaused: Bool { snapshot.withLock { $0.paused } }

    /// `pause`/`resume`: stop or start claiming new files; returns whether anything changed.
    func setPaused(_ paused: Bool) -> Bool {
        snapshot.withLock { snapshot in
            let changed = snapshot.paused != paused
            snapshot.paused = paused
            return changed
        }
    }
    public var lastError: String? { snapshot.withLock { $0.lastError } }
    public var backlog: Int { snapshot.withLock { $0.backlog } }
    public var uptimeSeconds: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The counts last read from the store, shown while it is unavailable.
    var lastTotals: StoreTotals { snapshot.withLock { $0.totals } }
    func remember(_ totals: StoreTotals) { snapshot.withLock { $0.totals = totals } }

    func setBacklog(_ count: Int, oldestModified: Int64? = nil) {
        snapshot.withLock {
            $0.backlog = count
            $0.oldestWaiting = count > 0 ? oldestModified : nil
        }
    }

    /// Files that left the backlog (committed or quarantined) since the inbox was listed: the
    /// backlog stays right between listings, which come only once a round's batches are done.
    func takeFromBacklog(_ count: Int) {
        snapshot.withLock {
            $0.backlog = max(0, $0.backlog - count)
            if $0.backlog == 0 { $0.oldestWaiting = nil }
        }
    }

    /// Seconds the oldest waiting file has been there (by its mtime), nil when none waits.
    var oldestBacklogAge: Double? {
        snapshot.withLock { $0.oldestWaiting }.map { max(0, Date().timeIntervalSince1970 - Double($0) / 1e9) }
    }

    /// Files committed in the last minute.
    var filesLastMinute: Int {
        let cutoff = ContinuousClock.now - .seconds(60)
        return snapshot.withLock { $0.recentCommits.filter { $0.at >= cutoff }.map(\.files).reduce(0, +) }
    }

    /// A store fault: stay up, say so, keep the message.
    func degrade(_ message: String) {
        snapshot.withLock {
            $0.degraded = true
            $0.lastError = message
        }
    }

    /// A commit went through: a degraded daemon is healthy again (the last error stays visible).
    func recover() {
        snapshot.withLock { $0.degraded = false }
    }

    /// A batch of `files` was committed: count it and wake the followers.
    func noteCommit(files: Int) {
        let now = ContinuousClock.now
        snapshot.withLock { snapshot in
            snapshot.recentCommits.append((now, files))
            if let first = snapshot.recentCommits.first, now - first.at > .seconds(60) {
                snapshot.recentCommits.removeAll { now - $0.at > .seconds(60) }
            }
        }
        commits.lock()
        commitCount.add(1, ordering: .relaxed)
        commits.broadcast()
        commits.unlock()
    }

    /// The number of commits so far, to wait for the next with `waitForCommit(after:timeout:)`.
    var commitGeneration: UInt64 { commitCount.load(ordering: .relaxed) }

    /// Blocks until a commit after `generation`, shutdown, or `timeout` seconds.
    func waitForCommit(after generation: UInt64, timeout: Double) {
        commits.lock()
        defer { commits.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while commitCount.load(ordering: .relaxed) == generation, !isStopping {
            if !commits.wait(until: deadline) { return }
        }
    }

    /// Graceful shutdown has begun: followers finish with an end record.
    var isStopping: Bool { stoppingFlag.load(ordering: .relaxed) }

    func beginStopping() {
        stoppingFlag.store(true, ordering: .relaxed)
        commits.lock()
        commits.broadcast()
        commits.unlock()
    }

    func note(error message: String) { snapshot.withLock { $0.lastError = message } }
}
