import Logging
import Synchronization

/// Reports what fails in ingest: the log line, and the fault in `DaemonState` that makes the
/// state "degraded" with `last_error` until the same operation works again, when one line
/// says so. A failure that repeats (a full spool fails every quarantine, every pass) is logged
/// at once, then at most once a minute with the count of lines left out: the journal must stay
/// readable, and a full disk must not be filled further by our own log.
final class FaultReporter: Sendable {
    private struct Throttle {
        var lastLogged: ContinuousClock.Instant
        var suppressed: Int
    }

    let state: DaemonState
    let logger: Logger
    private let throttles = Mutex<[DaemonState.Fault: Throttle]>([:])
    static let interval = Duration.seconds(60)

    init(state: DaemonState, logger: Logger) {
        self.state = state
        self.logger = logger
    }

    func fail(_ fault: DaemonState.Fault, _ message: Logger.Message, error: any Error, metadata: Logger.Metadata = [:]) {
        let changed = state.set(fault, "\(message): \(error)")
        let now = ContinuousClock.now
        let suppressed: Int? = throttles.withLock { throttles in
            if !changed, var throttle = throttles[fault], now - throttle.lastLogged < Self.interval {
                throttle.suppressed += 1
                throttles[fault] = throttle
                return nil
            }
            let count = throttles[fault]?.suppressed ?? 0
            throttles[fault] = Throttle(lastLogged: now, suppressed: 0)
            return count
        }
        guard let suppressed else { return }
        var metadata = metadata
        metadata["error"] = "\(error)"
        if suppressed > 0 { metadata["repeated"] = "\(suppressed) times in the last minute, not logged" }
        logger.error(message, metadata: metadata)
    }

    /// The operation behind `fault` worked: the fault is over (said once).
    func cleared(_ fault: DaemonState.Fault) {
        guard state.clear(fault) else { return }
        throttles.withLock { _ = $0.removeValue(forKey: fault) }
        logger.notice("\(fault.rawValue) works again")
    }
}
