import ArticleStore
public import ControlProtocol
import Foundation
import Synchronization
import SystemSupport

/// What the ingest loop tells the control server: shared, small, behind one lock.
public final class DaemonState: Sendable {
    public typealias Health = DaemonHealth

    /// The part of the daemon a fault stops. Any fault makes the state "degraded" until the same
    /// operation succeeds again; a store fault also stops claiming until the store can commit.
    public enum Fault: String, Sendable, CaseIterable {
        case store, inbox, claims, processing, processed, quarantine
    }

    struct Snapshot {
        var faults: [Fault: String] = [:]
        /// The store's file is damaged: set once, never cleared while running.
        var corrupt = false
        /// The fault set most recently: its message is `last_error`.
        var latest: Fault?
        var paused = false
        /// What the daemon last repaired by itself, for `status` (`last_notice`).
        var lastNotice: String?
        var backlog = 0
        /// Modification time (ns since 1970) of the oldest file waiting, at the last poll.
        var oldestWaiting: Int64?
        var totals = StoreTotals()
        /// (when, files) per commit over the last minute, for the throughput in `status`.
        var recentCommits: [(at: ContinuousClock.Instant, files: Int)] = []
    }

    private let snapshot = Mutex(Snapshot())
    private let started = ContinuousClock.now
    /// Moved on after every commit, so `export --follow` sends new records without polling.
    let commits = CommitSignal()
    private let stoppingFlag = Atomic<Bool>(false)

    public init() {}

    /// Degraded (something is failing) outranks paused (an operator's choice).
    public var health: Health {
        snapshot.withLock { !$0.faults.isEmpty ? .degraded : $0.paused ? .paused : .running }
    }
    /// The store is failing: nothing is claimed until it can commit again.
    public var isDegraded: Bool { snapshot.withLock { $0.faults[.store] != nil } }
    /// The store's file is damaged: nothing is claimed again until an operator restores it and
    /// restarts the daemon (retrying would write into the damage).
    public var isCorrupt: Bool { snapshot.withLock { $0.corrupt } }
    public var isPaused: Bool { snapshot.withLock { $0.paused } }

    /// `pause`/`resume`: stop or start claiming new files; returns whether anything changed.
    func setPaused(_ paused: Bool) -> Bool {
        snapshot.withLock { snapshot in
            let changed = snapshot.paused != paused
            snapshot.paused = paused
            return changed
        }
    }
    /// The message of the latest fault still in force; nil once everything works again.
    public var lastError: String? {
        snapshot.withLock { snapshot in
            snapshot.latest.flatMap { snapshot.faults[$0] } ?? snapshot.faults.sorted { $0.key.rawValue < $1.key.rawValue }.first?.value
        }
    }
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
    func degrade(_ message: String) { set(.store, message) }

    /// A commit went through: the store fault is over (a corrupt store's never is).
    func recover() {
        guard !isCorrupt else { return }
        _ = clear(.store)
    }

    /// The store's file is damaged: degraded for good, with what to do in `last_error`.
    func markCorrupt(_ message: String) {
        snapshot.withLock { $0.corrupt = true }
        set(.store, "the store is damaged (\(message)); claiming has stopped and is not retried: save what can be read "
            + "with `newsdedupctl backup`, restore a good copy, and restart the daemon")
    }

    /// `fault` is in force with `message`; returns whether it is new or its message changed.
    @discardableResult
    func set(_ fault: Fault, _ message: String) -> Bool {
        snapshot.withLock {
            let changed = $0.faults[fault] != message
            $0.faults[fault] = message
            $0.latest = fault
            return changed
        }
    }

    /// The operation `fault` stood for worked again; returns whether a fault was in force.
    @discardableResult
    func clear(_ fault: Fault) -> Bool {
        snapshot.withLock {
            guard $0.faults.removeValue(forKey: fault) != nil else { return false }
            if $0.latest == fault { $0.latest = nil }
            return true
        }
    }

    /// Something the daemon repaired by itself: kept for `status`, stamped with its time.
    func notice(_ message: String) {
        let stamped = "\(RFC3339.string(fromMilliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))) \(message)"
        snapshot.withLock { $0.lastNotice = stamped }
    }

    var lastNotice: String? { snapshot.withLock { $0.lastNotice } }

    /// A batch of `files` was committed: count it and wake the followers.
    func noteCommit(files: Int) {
        let now = ContinuousClock.now
        snapshot.withLock { snapshot in
            snapshot.recentCommits.append((now, files))
            if let first = snapshot.recentCommits.first, now - first.at > .seconds(60) {
                snapshot.recentCommits.removeAll { now - $0.at > .seconds(60) }
            }
        }
        commits.notify()
    }

    /// Graceful shutdown has begun: followers finish with an end record.
    var isStopping: Bool { stoppingFlag.load(ordering: .relaxed) }

    func beginStopping() {
        stoppingFlag.store(true, ordering: .relaxed)
        commits.stop()
    }

}
