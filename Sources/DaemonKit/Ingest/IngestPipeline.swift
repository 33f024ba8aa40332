import ArticleStore
import DedupCore
import Foundation
import InboxScanner
import Logging
import SystemSupport

/// The data flow, one batch at a time:
/// inbox ─claim (rename)→ processing/BATCH/ ─read, decode, fingerprint→ one transaction
/// → processed/DAY/BATCH/ (one rename for the whole folder).
/// A file's own fault sends it to quarantine; a store fault leaves its batch folder in
/// processing/ for the next pass. No file leaves processing/ before its row is committed.
///
/// The pipeline decides what to claim and in which order; the stages do the work, each on
/// the ingest threads and each owning its own state: `BatchPreparer` (the lanes and their
/// caches), `BatchCommitter` (the store's writer, and through it the index), `BatchArchiver`
/// (processed/). The pipeline itself owns the spool's directories, the settle gate and the
/// files already reported; it is an actor, so the ingest loop, `--once` and start-up recovery
/// reach that state one call at a time.
public actor IngestPipeline {
    let live: LiveSettings
    /// Read at each use, so a reload applies from the next batch on.
    var settings: DaemonSettings { live.value }
    let store: StoreHandle
    let state: DaemonState
    let logger: Logger
    let faults: FaultReporter
    let threads: WorkerThreads
    let preparer: BatchPreparer
    let committer: BatchCommitter
    let archiver: BatchArchiver
    /// Opened again by `refreshDirectories` when one is removed or replaced (only between
    /// batches, when no stage uses them).
    var spool: Spool
    var gate: SettleGate
    let clockStart = ContinuousClock.now
    var reportedSkips: Set<FileName> = []
    /// The inotify watcher's side: the names renamed into the inbox since the last look (read
    /// before each listing), and following a replaced inbox. Nil for `--once`, which has none.
    let watcher: InboxWatcher?

    init(live: LiveSettings, store: StoreHandle, state: DaemonState, metrics: Metrics, logger: Logger, threads: WorkerThreads,
         spool: Spool, watcher: InboxWatcher?) {
        self.live = live
        self.store = store
        self.state = state
        self.logger = logger
        self.threads = threads
        self.spool = spool
        self.watcher = watcher
        let faults = FaultReporter(state: state, logger: logger)
        self.faults = faults
        let current = (try? store.use(reopen: false) { store throws(StoreError) in store.currentDictionaries() }) ?? [:]
        let dictionaries = CompressionDictionaries(current)
        preparer = BatchPreparer(threads: threads, live: live, metrics: metrics, faults: faults, dictionaries: dictionaries)
        let released = ReleasedClaims()
        committer = BatchCommitter(live: live, store: store, state: state, metrics: metrics, logger: logger, faults: faults,
                                   dictionaries: dictionaries, released: released)
        archiver = BatchArchiver(faults: faults, metrics: metrics, released: released)
        gate = SettleGate(minimumAge: live.value.minFileAge)
    }

    /// Runs blocking file-system or store work on an ingest thread; nil when it was not run
    /// (the threads are shutting down).
    func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await threads.run(on: .ingest, body)
    }

    /// Between batches: directories removed or replaced under the daemon are opened again (see
    /// `Spool.refreshed`), and the watcher follows a replaced inbox.
    func refreshDirectories() async {
        let (spool, faults) = (spool, faults)
        guard let (fresh, inboxReplaced) = await blocking({ spool.refreshed(faults: faults) }) else { return }
        self.spool = fresh
        if inboxReplaced { watcher?.watch(directory: fresh.inbox.path) }
    }

    /// Start-up recovery: finishes what a previous run claimed (processing/), before the daemon
    /// says it is ready.
    public func recoverClaimed() async -> DrainSummary {
        var summary = DrainSummary()
        _ = await processClaimed(shouldStop: { false }, progress: { _ in }, into: &summary)
        return summary
    }

    /// Processes whatever sits in processing/ (a crash, a store fault, a writer still at it):
    /// each batch folder left there is finished as one batch; files loose in processing/ (put
    /// back from a batch, or claimed by an older version) are claimed into new folders.
    /// Returns false when it stopped early: asked to, or the store failed.
    private func processClaimed(shouldStop: @escaping @Sendable () -> Bool, progress: @escaping @Sendable (DrainSummary) -> Void,
                                into summary: inout DrainSummary) async -> Bool {
        let (processing, faults, batchSize) = (spool.processing, faults, settings.batchSize)
        let work = await blocking { () -> [BatchWork] in
            let listing: [(name: FileName, status: EntryStatus)]
            do {
                listing = try processing.listing().filter { !$0.name.isIgnored }
            } catch {
                faults.fail(.processing, "cannot list processing/", error: error)
                return []
            }
            var work: [BatchWork] = []
            var loose: [FileName] = []
            for (name, status) in listing {
                guard status.kind == .directory else { loose.append(name); continue }
                do {
                    let folder = try BatchFolder(opening: name, in: processing)
                    work.append(.leftover(folder, try folder.directory.entries().filter { !$0.isIgnored }))
                } catch {
                    faults.fail(.processing, "cannot open a batch folder in processing/", error: error, metadata: ["folder": "\(name.display)"])
                }
            }
            return work + loose.chunked(batchSize).map { .claim(Array($0), from: processing) }
        }
        return await processAll(work ?? [], shouldStop: shouldStop, progress: progress, into: &summary)
    }

    /// Drains the inbox until nothing is ready, `shouldStop` says so between batches, or the
    /// store fails. Files claimed before (a crash, a store fault, a writer still at it) go first;
    /// then the inbox is listed once per round and its settled files claimed in batches.
    public func drain(shouldStop: @escaping @Sendable () -> Bool = { false },
                      progress: @escaping @Sendable (DrainSummary) -> Void = { _ in }) async -> DrainSummary {
        var summary = DrainSummary()
        // A damaged store is never written again by this run: nothing is claimed.
        if state.isCorrupt {
            summary.deferred = 1
            return summary
        }
        // Paused by an operator: claim nothing, but keep the backlog of systemd's STATUS= current.
        if state.isPaused {
            let (waiting, oldest) = await waitingInInbox()
            state.setBacklog(waiting, oldestModified: oldest)
            return summary
        }
        // A pause takes effect before the next claim, not at the end of the drain.
        let state = state
        let shouldStop: @Sendable () -> Bool = { shouldStop() || state.isPaused }
        // While degraded, claim nothing new until the store can commit again.
        if state.isDegraded {
            let store = store
            let probe = await blocking { () -> StoreError? in
                do throws(StoreError) {
                    try store.use { store throws(StoreError) in
                        try store.verifyFiles()
                        try store.probeWrite()
                    }
                    return nil
                } catch {
                    // A store deleted or replaced under the daemon is never let go: see `BatchCommitter`.
                    if error.kind != .lost, error.kind != .corrupt { store.release() }
                    return error
                }
            }
            guard let probe else { return summary }
            if let error = probe {
                logger.warning("store still failing; will retry", metadata: ["error": "\(error)"])
                if error.kind == .corrupt { state.markCorrupt(error.description) } else { state.degrade(error.description) }
                summary.deferred = 1
                return summary
            }
            state.recover()
            logger.notice("store writable again; resuming")
        }
        await refreshDirectories()
        guard await processClaimed(shouldStop: shouldStop, progress: progress, into: &summary) else { return summary }
        while !shouldStop() {
            let (ready, settling, oldest) = await readyInInbox()
            summary.settling = settling
            state.setBacklog(ready.count + settling + summary.changing, oldestModified: oldest)
            if ready.isEmpty { break }
            let inbox = spool.inbox
            let batches = Batches.cut(ready, count: settings.batchSize, bytes: Self.batchBytes).map { BatchWork.claim(Array($0), from: inbox) }
            guard await processAll(batches, shouldStop: shouldStop, progress: progress, into: &summary) else { return summary }
        }
        return summary
    }

    /// Runs the batches through the stages, three batches at a time: the committer commits
    /// batch k while the preparer claims and prepares batch k + 1 and the archiver moves batch
    /// k - 1, committed, to processed/. Commits and directory syncs are mostly waits for the
    /// disk, renames are kernel work: the three overlap. A file still leaves processing/ only
    /// after its row is committed. Returns false when it stopped early: asked to, or the store
    /// failed; a batch prepared but not committed then stays in its folder in processing/ for
    /// the next pass.
    private func processAll(_ work: [BatchWork], shouldStop: @escaping @Sendable () -> Bool,
                            progress: @escaping @Sendable (DrainSummary) -> Void, into summary: inout DrainSummary) async -> Bool {
        var work = work[...]
        var pending: PreparedBatch?
        var committed: CommittedBatch?
        let (preparer, committer, archiver, threads) = (preparer, committer, archiver, threads)
        while true {
            let next = shouldStop() ? nil : work.popFirst()
            if next == nil, pending == nil, committed == nil { break }
            let (spool, archiving, keep) = (spool, committed, settings.keepProcessed)
            async let moved: Void = Self.archive(archiving, by: archiver, spool: spool, keepProcessed: keep, threads: threads)
            async let prepared: PreparedBatch? = Self.prepare(next, by: preparer, spool: spool, stopClaiming: shouldStop)
            committed = nil
            var failed = false
            if let current = pending {
                let result = await threads.run(on: .ingest) { committer.commit(current, quarantine: spool.quarantine) }
                if let result {
                    summary.count(result.counts)
                    committed = result.committed
                }
                if committed != nil { progress(summary) } else { failed = true }
            }
            await moved
            pending = await prepared
            if failed { return false }
        }
        return !shouldStop()
    }

    private static func archive(_ batch: CommittedBatch?, by archiver: BatchArchiver, spool: Spool, keepProcessed: Int?,
                                threads: WorkerThreads) async {
        guard let batch else { return }
        _ = await threads.run(on: .ingest) {
            archiver.metrics.time(.move) { archiver.archive(batch, spool: spool, keepProcessed: keepProcessed) }
        }
    }

    private static func prepare(_ work: BatchWork?, by preparer: BatchPreparer, spool: Spool,
                                stopClaiming: @escaping @Sendable () -> Bool) async -> PreparedBatch? {
        guard let work else { return nil }
        return await preparer.prepare(work, spool: spool, stopClaiming: stopClaiming)
    }

    /// A batch's files together, at most: up to three batches are in memory at once (one
    /// committing, one being prepared, and the compressed copies), so this bounds memory when
    /// large files arrive, whatever `batch_size` says.
    static let batchBytes: Int64 = 64 << 20

    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The UTC day, as processed/ names its directories: 2026-11-22.
    static func today(offsetDays: Int = 0) -> String {
        String(RFC3339.string(fromMilliseconds: nowMilliseconds() + Int64(offsetDays) * 86_400_000).prefix(10))
    }

    /// A containment score as logs and replies show it: three decimals.
    static func score(_ value: Double) -> String { String(format: "%.3f", value) }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
