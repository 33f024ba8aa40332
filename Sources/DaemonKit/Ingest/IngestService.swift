import Foundation
import InboxScanner
import Logging
import ServiceLifecycle
import Synchronization

/// The long-running ingest loop: drain, then sleep until the poll interval passes, inotify
/// reports a file renamed in or closed, or shutdown wakes it. Its work runs on the ingest
/// threads (see `IngestPipeline`), so a large backlog never holds up the control socket. On
/// SIGTERM/SIGINT it stops claiming, finishes the batch in hand and returns.
final class IngestService: Service, Sendable {
    let pipeline: IngestPipeline
    let watcher: InboxWatcher
    let threads: WorkerThreads
    let live: LiveSettings
    var settings: DaemonSettings { live.value }
    let notifier: SystemdNotifier
    let state: DaemonState
    let logger: Logger
    private let stopping = Atomic<Bool>(false)

    init(pipeline: IngestPipeline, watcher: InboxWatcher, threads: WorkerThreads, live: LiveSettings, notifier: SystemdNotifier,
         state: DaemonState, logger: Logger) {
        self.pipeline = pipeline
        self.watcher = watcher
        self.threads = threads
        self.live = live
        self.notifier = notifier
        self.state = state
        self.logger = logger
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            self.notifier.stopping()
            self.stopping.store(true, ordering: .relaxed)
            self.watcher.wake()
        }
        logger.info("ingest stopped")
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func loop() async {
        var failures = 0
        var lastRetention: (at: ContinuousClock.Instant, days: Double, delete: Bool, keep: Int?)?
        while !isStopping {
            // At start, hourly, and at once when a reload changed the window or processed/'s days.
            let window = (days: settings.retentionDays, delete: settings.retentionDelete, keep: settings.keepProcessed)
            if let last = lastRetention, ContinuousClock.now - last.at < .seconds(3600), last.days == window.days,
               last.delete == window.delete, last.keep == window.keep {
            } else {
                await pipeline.applyRetention()
                await pipeline.pruneProcessed()
                lastRetention = (.now, window.days, window.delete, window.keep)
            }
            // The watchdog is pinged from here, so a loop that hangs gets the daemon restarted.
            notifier.watchdog()
            let summary = await pipeline.drain(shouldStop: {
                self.notifier.watchdog()
                return self.isStopping
            })
            if notifier.isActive { notifier.status(Self.statusLine(state)) }
            if summary.total > 0 {
                logger.info("pass done", metadata: [
                    "stored": "\(summary.stored)", "exact": "\(summary.exactDuplicates)",
                    "near": "\(summary.nearDuplicates)", "quarantined": "\(summary.quarantined)",
                ])
            }
            // After a store fault, back off (doubling, at most 30 s) before retrying.
            failures = summary.deferred > 0 ? failures + 1 : 0
            var delay = failures == 0 ? settings.pollInterval : min(30, settings.pollInterval * pow(2, Double(min(failures, 10))))
            // Files still settling are looked at again as soon as they may be ready.
            if failures == 0, summary.settling + summary.changing > 0 {
                delay = min(delay, max(0.05, settings.minFileAge / 2))
            }
            if isStopping { break }
            if let interval = notifier.watchdogInterval { delay = min(delay, interval) }
            // `poll` blocks: on an ingest thread (idle between passes), never the cooperative pool.
            let (watcher, timeout) = (watcher, delay)
            let renamed = await threads.run(on: .ingest) { watcher.wait(timeout: timeout).renamed } ?? []
            await pipeline.noteRenamedIn(renamed)
        }
    }

    /// The one line `systemctl status` shows.
    static func statusLine(_ state: DaemonState) -> String {
        let totals = state.lastTotals
        return "\(state.health.rawValue): \(totals.articles) articles, \(totals.exactDuplicates) exact and "
            + "\(totals.nearDuplicates) near duplicates, \(totals.quarantined) quarantined; backlog \(state.backlog)"
    }
}
