import ArticleStore
import ControlProtocol
import DedupCore
import Foundation
public import InboxScanner
import Logging
import Synchronization

/// The data flow of DESIGN.md, one batch at a time:
/// inbox ─claim (rename)→ processing/BATCH/ ─read, decode, fingerprint→ one transaction
/// → processed/DAY/BATCH/ (one rename for the whole folder).
/// A file's own fault sends it to quarantine; a store fault leaves its batch folder in
/// processing/ for the next pass. No file leaves processing/ before its row is committed.
public final class IngestPipeline: @unchecked Sendable {
    // @unchecked: used by one task at a time (the ingest loop, or `--once`).
    let live: LiveSettings
    /// Read at each use, so a reload applies from the next batch on.
    var settings: DaemonSettings { live.value }
    let store: StoreHandle
    let state: DaemonState
    let metrics: Metrics
    let logger: Logger
    let inbox: Directory
    let processing: Directory
    let processedArchive: ProcessedArchive
    let quarantine: Quarantine
    /// The N of the next batch folder's name (STAMP-N).
    let batchNumbers = Atomic<Int>(0)
    let fingerprinter = Fingerprinter()
    /// One normalisation cache per preparation lane (one lane per core, at most 4): each lane
    /// uses only its own, so they need no lock.
    var laneCaches: [NormalizationCache?] = Array(
        repeating: NormalizationCache(), count: max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)))
    var gate: SettleGate
    let clockStart = ContinuousClock.now
    var reportedSkips: Set<FileName> = []
    var commits = 0
    /// Test hook, read once: `NEWSDEDUP_FAILPOINT=exit-after-commit:N` ends the process abruptly
    /// right after the Nth committed batch, before its files are moved: the crash window that
    /// start-up recovery must close. Unset in production.
    let exitAfterCommit: Int? = ProcessInfo.processInfo.environment["NEWSDEDUP_FAILPOINT"]
        .flatMap { $0.hasPrefix("exit-after-commit:") ? Int($0.dropFirst("exit-after-commit:".count)) : nil }

    init(live: LiveSettings, store: StoreHandle, state: DaemonState, metrics: Metrics, logger: Logger) throws(SystemError) {
        self.live = live
        let settings = live.value
        self.store = store
        self.state = state
        self.metrics = metrics
        self.logger = logger
        gate = SettleGate(minimumAge: settings.minFileAge)
        inbox = try Directory(path: settings.inbox)
        processing = try Directory(path: settings.processing)
        let processed = try Directory(path: settings.processed)
        processedArchive = ProcessedArchive(root: processed)
        let quarantineDirectory = try Directory(path: settings.quarantine)
        quarantine = Quarantine(directory: quarantineDirectory)
        let device = try inbox.device()
        for directory in [processing, processed, quarantineDirectory] where try directory.device() != device {
            throw SystemError("\(directory.path) is not on the inbox's file system (files are moved by rename)", errno: EXDEV)
        }
    }

    /// Start-up recovery: finishes what a previous run claimed (processing/), before the daemon
    /// says it is ready.
    public func recoverClaimed() -> DrainSummary {
        var summary = DrainSummary()
        _ = processClaimed(shouldStop: { false }, into: &summary)
        return summary
    }

    /// Processes whatever sits in processing/ (a crash, a store fault, a writer still at it):
    /// each batch folder left there is finished as one batch; files loose in processing/ (put
    /// back from a batch, or claimed by an older version) are claimed into new folders.
    /// Returns false when it stopped early: asked to, or the store failed.
    private func processClaimed(shouldStop: () -> Bool, into summary: inout DrainSummary) -> Bool {
        let listing: [(name: FileName, status: EntryStatus)]
        do {
            listing = try processing.listing().filter { !$0.name.isIgnored }
        } catch {
            logger.error("cannot list processing/", metadata: ["error": "\(error)"])
            state.note(error: "\(error)")
            return true
        }
        var work: [BatchWork] = []
        var loose: [FileName] = []
        for (name, status) in listing {
            guard status.kind == .directory else { loose.append(name); continue }
            do {
                let folder = try BatchFolder(opening: name, in: processing)
                work.append(.leftover(folder, try folder.directory.entries().filter { !$0.isIgnored }))
            } catch {
                logger.error("cannot open a batch folder in processing/", metadata: ["folder": "\(name.display)", "error": "\(error)"])
                state.note(error: "\(error)")
            }
        }
        work += loose.chunked(settings.batchSize).map { .claim(Array($0), from: processing) }
        return processAll(work, shouldStop: shouldStop, into: &summary)
    }

    /// Files renamed into the inbox are complete: claim them without waiting (inotify says so).
    public func noteRenamedIn(_ names: [FileName]) {
        for name in names { gate.noteRenamedIn(name) }
    }

    /// Drains the inbox until nothing is ready, `shouldStop` says so between batches, or the
    /// store fails. Files claimed before (a crash, a store fault, a writer still at it) go first;
    /// then the inbox is listed once per round and its settled files claimed in batches.
    public func drain(shouldStop: () -> Bool = { false }, progress: (DrainSummary) -> Void = { _ in }) -> DrainSummary {
        var summary = DrainSummary()
        // Paused by an operator: claim nothing, but keep the backlog in status current.
        if state.isPaused {
            let (ready, settling, oldest) = readyInInbox()
            state.setBacklog(ready.count + settling, oldestModified: oldest)
            return summary
        }
        // While degraded, claim nothing new until the store can commit again.
        if state.isDegraded {
            do {
                try store.use { store throws(StoreError) in try store.probeWrite() }
                state.recover()
                logger.notice("store writable again; resuming")
            } catch {
                logger.warning("store still failing; will retry", metadata: ["error": "\(error)"])
                store.release()
                state.degrade(error.description)
                summary.deferred = 1
                return summary
            }
        }
        guard processClaimed(shouldStop: shouldStop, into: &summary) else { return summary }
        while !shouldStop() {
            let (ready, settling, oldest) = readyInInbox()
            summary.settling = settling
            state.setBacklog(ready.count + settling + summary.changing, oldestModified: oldest)
            if ready.isEmpty { break }
            let batches = Batches.cut(ready, count: settings.batchSize, bytes: Self.batchBytes).map { BatchWork.claim(Array($0), from: inbox) }
            guard processAll(batches, shouldStop: shouldStop, progress: progress, into: &summary) else { return summary }
        }
        return summary
    }

    /// A batch's files together, at most: up to three batches are in memory at once (one
    /// committing, one being prepared, and the compressed copies), so this bounds memory when
    /// large files arrive, whatever `batch_size` says.
    static let batchBytes: Int64 = 64 << 20

    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
