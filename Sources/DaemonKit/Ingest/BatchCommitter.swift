import ArticleStore
import DedupCore
import Foundation
import InboxScanner
import Logging
import Synchronization
import SystemSupport

/// The commit stage, the store's only writer: quarantines a prepared batch's rejects and
/// commits the rest in one transaction, with the verdicts decided inside it. Blocking: it runs
/// on an ingest thread, one batch at a time.
final class BatchCommitter: Sendable {
    let live: LiveSettings
    let store: StoreHandle
    let state: DaemonState
    let metrics: Metrics
    let logger: Logger
    let faults: FaultReporter
    let dictionaries: CompressionDictionaries
    let released: ReleasedClaims
    private let commits = Atomic<Int>(0)
    /// Test hook, read once: `NEWSDEDUP_FAILPOINT=exit-after-commit:N` ends the process abruptly
    /// right after the Nth committed batch, before its files are moved: the crash window that
    /// start-up recovery must close. Unset in production.
    let exitAfterCommit: Int? = ProcessInfo.processInfo.environment["NEWSDEDUP_FAILPOINT"]
        .flatMap { $0.hasPrefix("exit-after-commit:") ? Int($0.dropFirst("exit-after-commit:".count)) : nil }

    init(live: LiveSettings, store: StoreHandle, state: DaemonState, metrics: Metrics, logger: Logger, faults: FaultReporter,
         dictionaries: CompressionDictionaries, released: ReleasedClaims) {
        self.dictionaries = dictionaries
        self.released = released
        self.live = live
        self.store = store
        self.state = state
        self.metrics = metrics
        self.logger = logger
        self.faults = faults
    }

    /// The batch for the archiver (nil when the store failed and the pass must stop), and what
    /// came of its files.
    func commit(_ batch: PreparedBatch, quarantine: Quarantine) -> (committed: CommittedBatch?, counts: DrainSummary) {
        var counts = DrainSummary()
        var strays: [FileName] = []
        for (name, rejection) in batch.rejected {
            switch rejection {
            case .changedWhileReading:
                counts.changing += 1
                strays.append(name)
                logger.notice("changed while being read; left claimed for a later pass", metadata: ["file": "\(name.display)"])
            default:
                if quarantine.admit(name, from: batch.folder, reason: rejection.description, committer: self) {
                    counts.quarantined += 1
                } else {
                    strays.append(name)
                }
                metrics.countQuarantine(rejection.label)
            }
        }
        state.takeFromBacklog(batch.rejected.filter { $0.rejection != .changedWhileReading }.count)
        let items = batch.items
        guard !items.isEmpty else { return (CommittedBatch(folder: batch.folder, committed: 0, strays: strays, holdsOnlyCopies: false, claims: []), counts) }

        let outcomes: [IngestOutcome]
        let maxDistance = live.value.maxDistance
        let releasing = released.take()
        do {
            outcomes = try metrics.time(.commit) { () throws(StoreError) -> [IngestOutcome] in
                try store.use { store throws(StoreError) in
                    // The file written must still be the store at its path (see `verifyFiles`).
                    try store.verifyFiles()
                    let outcomes = try store.ingest(items.map(\.item), maxDistance: maxDistance, releasing: releasing)
                    for hold in store.takeLockHolds() { metrics.observeLockHold(hold) }
                    return outcomes
                }
            }
        } catch {
            released.giveBack(releasing)
            // Close it: a store held open would keep the file system from being repaired. A
            // store deleted or replaced under the daemon stays open: it holds the only copy of
            // what was committed, which `newsdedupctl backup` can still save.
            // A damaged store stays open too: `status`, `export` and `backup` read what they can.
            if error.kind != .lost, error.kind != .corrupt { store.release() }
            if error.isFatal { logger.critical("store invariant broken", metadata: ["error": "\(error)"]) }
            logger.error("store write failed; files stay claimed for the next pass",
                         metadata: ["error": "\(error)", "files": "\(items.count)", "folder": "\(batch.folder.name.display)"])
            if error.kind == .corrupt {
                logger.critical("store damaged; claiming stopped until it is restored", metadata: ["error": "\(error)"])
                state.markCorrupt(error.description)
            } else {
                state.degrade(error.description)
            }
            counts.deferred += items.count
            return (nil, counts)
        }
        state.recover()
        if let totals = try? store.use(reopen: false, { store throws(StoreError) in try store.totals() }) {
            state.remember(totals)
        }
        if commits.wrappingAdd(1, ordering: .relaxed).newValue == exitAfterCommit { _exit(86) }
        state.noteCommit(files: items.count)
        state.takeFromBacklog(items.count)
        for ((_, item), outcome) in zip(items, outcomes) {
            log(outcome, item: item)
            switch outcome {
            case .stored: counts.stored += 1; metrics.countFile("stored")
            case .duplicate(_, _, .exact, _, _, _, _): counts.exactDuplicates += 1; metrics.countFile("exact")
            case .duplicate: counts.nearDuplicates += 1; metrics.countFile("near")
            case .alreadyIngested: counts.recovered += 1; metrics.countFile("recovered")
            }
        }
        trainDueDictionaries()
        let onlyCopies = outcomes.contains { if case .alreadyIngested(_, bytesKept: false) = $0 { true } else { false } }
        let claims = items.flatMap { [$0.item.claimKey] + ($0.item.legacyClaimKey.map { [$0] } ?? []) }
        return (CommittedBatch(folder: batch.folder, committed: items.count, strays: strays, holdsOnlyCopies: onlyCopies,
                               claims: claims), counts)
    }

    /// A script's first dictionary, once enough of its text is stored without one: trained from
    /// the store's newest articles between batches (a few milliseconds), used from the next. A
    /// failure is logged and asked again after as much text again.
    private func trainDueDictionaries() {
        let due = dictionaries.takeDue()
        guard !due.isEmpty else { return }
        do {
            let now = IngestPipeline.nowMilliseconds()
            let (trained, current) = try store.use { store throws(StoreError) in
                (try store.trainDictionaries(for: due, at: now, recompressingAt: BatchPreparer.dictionaryLevel), store.currentDictionaries())
            }
            dictionaries.replace(current)
            for dictionary in trained.dictionaries {
                logger.notice("trained a preset dictionary", metadata: [
                    "script": "\(dictionary.script.rawValue)", "dictionary": "\(dictionary.id)", "bytes": "\(dictionary.bytes.count)",
                ])
            }
            if trained.recompressed > 0 {
                logger.info("bodies stored before the dictionary compressed again with it", metadata: [
                    "bodies": "\(trained.recompressed)", "saved_bytes": "\(trained.bytesSaved)",
                ])
            }
        } catch {
            logger.warning("training a preset dictionary failed; bodies are compressed without one meanwhile",
                           metadata: ["error": "\(error)"])
        }
    }

    /// Records a quarantined file in the store; a failure is logged (the file and its reason
    /// are in quarantine/ whatever the store says).
    func recordQuarantine(_ name: FileName, reason: String, at now: Int64) {
        do {
            try store.use { store throws(StoreError) in try store.recordQuarantine(name: name.display, reason: reason, at: now) }
        } catch {
            logger.error("quarantined, but not recorded in the store", metadata: ["file": "\(name.display)", "error": "\(error)"])
        }
    }

    private func log(_ outcome: IngestOutcome, item: IngestItem) {
        let file = Logger.MetadataValue.string(item.source)
        switch outcome {
        case .stored(let id, let seq):
            logger.info("stored", metadata: ["file": file, "id": "\(id)", "seq": "\(seq)", "simhash": "\(item.fingerprint.simhashHex)"])
        case .duplicate(let id, let of, let kind, let distance, let containment, let path, let seq):
            var metadata: Logger.Metadata = [
                "file": file, "kind": "\(kind.rawValue)", "of": "\(of)", "distance": "\(distance)", "duplicate_id": "\(id)", "seq": "\(seq)",
            ]
            if let containment { metadata["containment"] = "\(IngestPipeline.score(containment))" }
            if let path { metadata["matched_on"] = "\(path.rawValue)" }
            logger.info("duplicate", metadata: metadata)
        case .alreadyIngested(let seq, _):
            logger.notice("already committed before a restart; moving it", metadata: ["file": file, "seq": "\(seq)"])
        }
    }
}

extension Quarantine {
    /// Quarantines a file of `folder` with its reason, and records it in the store; false when
    /// that failed (logged), the file still there.
    func admit(_ name: FileName, from folder: BatchFolder, reason: String, committer: BatchCommitter) -> Bool {
        let now = IngestPipeline.nowMilliseconds()
        let logger = committer.logger
        do {
            let placed = try admit(name, from: folder.directory, reason: reason, at: RFC3339.string(fromMilliseconds: now))
            committer.metrics.countFile("quarantined")
            logger.warning("quarantined", metadata: ["file": "\(name.display)", "as": "\(placed.display)", "reason": "\(reason)"])
        } catch {
            committer.faults.fail(.quarantine, "quarantine failed; file stays claimed", error: error, metadata: ["file": "\(name.display)"])
            return false
        }
        committer.faults.cleared(.quarantine)
        committer.recordQuarantine(name, reason: reason, at: now)
        return true
    }
}

/// A batch whose rows are committed: its folder, how many of its files were committed, and
/// the files in it that must not go to processed/ with them.
struct CommittedBatch: Sendable {
    let folder: BatchFolder
    let committed: Int
    let strays: [FileName]
    /// A file in it is the only copy of its bytes (see `IngestOutcome.alreadyIngested`): the
    /// folder goes to processed/ even with `keep_processed: 0`.
    let holdsOnlyCopies: Bool
    /// Its files' claim keys: released once the folder has left processing/.
    let claims: [String]
}
