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
    let faults: FaultReporter
    /// The spool's directories, opened again by `refreshDirectories` when one is removed or
    /// replaced (only between batches, when no lane uses them).
    var inbox: Directory
    var processing: Directory
    var processedArchive: ProcessedArchive
    var quarantine: Quarantine
    /// Called when the inbox was replaced and opened again: the watcher must follow it.
    var inboxReplaced: ((String) -> Void)?
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
        faults = FaultReporter(state: state, logger: logger)
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
        let adopted = try quarantine.adoptLegacyReasons()
        if adopted > 0 { logger.notice("quarantine: reason files renamed to .NAME.reason", metadata: ["files": "\(adopted)"]) }
    }

    /// The daemon owns its spool's directories: one removed under it (processed/ pruned whole,
    /// quarantine/ deleted) is made again, and an inbox renamed away and made again is the one
    /// watched and listed from then on, each said in the log. Without this, a removed
    /// quarantine/ kept bad files claimed forever, and a replaced inbox was never listed again.
    func refreshDirectories() {
        func reopened(_ directory: Directory, _ what: String) -> Directory? {
            guard !directory.isStillAtPath else { return nil }
            do {
                let fresh = try Directory(path: directory.path)
                guard try fresh.device() == inbox.device() || what == "inbox" else {
                    throw SystemError("\(directory.path) is not on the inbox's file system", errno: EXDEV)
                }
                let message = "\(what) was removed or replaced under the daemon; using \(directory.path) as it is now"
                logger.warning("\(message)")
                state.notice(message)
                return fresh
            } catch {
                faults.fail(.processing, "\(what) was removed and cannot be made again", error: error)
                return nil
            }
        }
        if let fresh = reopened(inbox, "the inbox") {
            inbox = fresh
            inboxReplaced?(fresh.path)
        }
        if let fresh = reopened(processing, "processing/") { processing = fresh }
        if let fresh = reopened(processedArchive.root, "processed/") { processedArchive = ProcessedArchive(root: fresh) }
        if let fresh = reopened(quarantine.directory, "quarantine/") { quarantine = Quarantine(directory: fresh) }
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
    private func processClaimed(shouldStop: @escaping @Sendable () -> Bool, into summary: inout DrainSummary) -> Bool {
        let listing: [(name: FileName, status: EntryStatus)]
        do {
            listing = try processing.listing().filter { !$0.name.isIgnored }
        } catch {
            faults.fail(.processing, "cannot list processing/", error: error)
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
                faults.fail(.processing, "cannot open a batch folder in processing/", error: error, metadata: ["folder": "\(name.display)"])
            }
        }
        work += loose.chunked(settings.batchSize).map { .claim(Array($0), from: processing) }
        return processAll(work, shouldStop: shouldStop, into: &summary)
    }

    /// Where the names renamed into the inbox come from (the inotify watcher), read before each
    /// listing; nil for `--once`, which has no watcher.
    var renamedSinceLastLook: (() -> [FileName])?

    /// Files renamed into the inbox are complete: claim them without waiting (inotify says so).
    /// The mark is for the file that has the name now; a name already gone is not marked.
    public func noteRenamedIn(_ names: [FileName]) {
        for name in names {
            guard let status = try? inbox.status(of: name), status.kind == .regular else { continue }
            gate.noteRenamedIn(name, inode: status.inode)
        }
    }

    /// Drains the inbox until nothing is ready, `shouldStop` says so between batches, or the
    /// store fails. Files claimed before (a crash, a store fault, a writer still at it) go first;
    /// then the inbox is listed once per round and its settled files claimed in batches.
    public func drain(shouldStop: @escaping @Sendable () -> Bool = { false }, progress: (DrainSummary) -> Void = { _ in }) -> DrainSummary {
        var summary = DrainSummary()
        // Paused by an operator: claim nothing, but keep the backlog of systemd's STATUS= current.
        if state.isPaused {
            let (waiting, oldest) = waitingInInbox()
            state.setBacklog(waiting, oldestModified: oldest)
            return summary
        }
        // A pause takes effect before the next claim, not at the end of the drain.
        let state = state
        let shouldStop: @Sendable () -> Bool = { shouldStop() || state.isPaused }
        // While degraded, claim nothing new until the store can commit again.
        if state.isDegraded {
            do {
                try store.use { store throws(StoreError) in
                    try store.verifyFiles()
                    try store.probeWrite()
                }
                state.recover()
                logger.notice("store writable again; resuming")
            } catch {
                logger.warning("store still failing; will retry", metadata: ["error": "\(error)"])
                // A store deleted or replaced under the daemon is never let go: see `commit`.
                if error.kind != .lost { store.release() }
                state.degrade(error.description)
                summary.deferred = 1
                return summary
            }
        }
        refreshDirectories()
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
