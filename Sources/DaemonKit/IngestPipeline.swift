import ArticleStore
import ControlProtocol
import DedupCore
import Foundation
public import InboxScanner
import Logging

/// What one drain did, for `--once` and the logs.
public struct DrainSummary: Sendable, Equatable {
    public var stored = 0
    public var exactDuplicates = 0
    public var nearDuplicates = 0
    public var quarantined = 0
    /// Committed before a restart, moved now.
    public var recovered = 0
    /// Left claimed because the store failed.
    public var deferred = 0
    /// Left claimed because they changed while being read: a writer is still at them.
    public var changing = 0
    /// Still in the inbox, not yet unchanged for `min_file_age`.
    public var settling = 0

    public var total: Int { stored + exactDuplicates + nearDuplicates + quarantined + recovered }

    /// Adds a pass's counts; what is still waiting is the latest pass's.
    mutating func add(_ pass: DrainSummary) {
        stored += pass.stored
        exactDuplicates += pass.exactDuplicates
        nearDuplicates += pass.nearDuplicates
        quarantined += pass.quarantined
        recovered += pass.recovered
        deferred = pass.deferred
        changing = pass.changing
        settling = pass.settling
    }
}

/// The data flow of DESIGN.md, one batch at a time:
/// inbox ─claim (rename)→ processing ─read, decode, fingerprint→ one transaction → processed.
/// A file's own fault sends it to quarantine; a store fault leaves it in processing/ for the
/// next pass. No file leaves processing/ before its row is committed.
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
    let processed: Directory
    let quarantine: Quarantine
    let fingerprinter = Fingerprinter()
    private var gate: SettleGate
    private let clockStart = ContinuousClock.now
    private var reportedSkips: Set<FileName> = []
    private var commits = 0
    /// Test hook, read once: `NEWSDEDUP_FAILPOINT=exit-after-commit:N` ends the process abruptly
    /// right after the Nth committed batch, before its files are moved: the crash window that
    /// start-up recovery must close. Unset in production.
    private let exitAfterCommit: Int? = ProcessInfo.processInfo.environment["NEWSDEDUP_FAILPOINT"]
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
        processed = try Directory(path: settings.processed)
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
        let leftovers = (try? processing.entries().filter { !$0.isIgnored }) ?? []
        for chunk in leftovers.chunked(settings.batchSize) {
            guard process(chunk, into: &summary) else { break }
        }
        return summary
    }

    /// The dedup window: with `retention_days` set, older articles leave the near-duplicate
    /// index (or the store, with `retention_delete`). Runs at start and then hourly; a store
    /// fault here only waits for the next run.
    public func applyRetention() {
        let settings = settings
        guard settings.retentionDays > 0 else { return }
        let cutoff = Self.nowMilliseconds() - Int64(settings.retentionDays * 86_400_000)
        do {
            let result = try store.use { store throws(StoreError) in
                try store.applyRetention(receivedBefore: cutoff, delete: settings.retentionDelete)
            }
            if result.retired + result.deletedArticles > 0 {
                logger.notice("retention", metadata: [
                    "days": "\(settings.retentionDays)", "left_index": "\(result.retired)",
                    "deleted_articles": "\(result.deletedArticles)", "deleted_duplicates": "\(result.deletedDuplicates)",
                ])
            }
        } catch {
            logger.error("retention failed; will retry", metadata: ["error": "\(error)"])
        }
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
        let leftovers = (try? processing.entries().filter { !$0.isIgnored }) ?? []
        for chunk in leftovers.chunked(settings.batchSize) {
            guard !shouldStop(), process(chunk, into: &summary) else { return summary }
        }
        while !shouldStop() {
            let (ready, settling, oldest) = readyInInbox()
            summary.settling = settling
            state.setBacklog(ready.count + settling + summary.changing, oldestModified: oldest)
            if ready.isEmpty { break }
            for chunk in ready.chunked(settings.batchSize) {
                guard !shouldStop(), process(claim(chunk), into: &summary) else { return summary }
                progress(summary)
            }
        }
        return summary
    }

    // MARK: - Claiming

    /// Lists the inbox once and asks the settle gate which files are complete. Dotfiles,
    /// `*.tmp`, `*.part`, the exclude glob and subdirectories are never touched.
    private func readyInInbox() -> (ready: [FileName], settling: Int, oldest: Int64?) {
        let listing: [(name: FileName, status: EntryStatus)]
        do {
            listing = try inbox.listing()
        } catch {
            logger.error("cannot list inbox", metadata: ["error": "\(error)"])
            state.note(error: "\(error)")
            return ([], 0, nil)
        }
        var candidates: [(name: FileName, signature: SettleGate.Signature)] = []
        for (name, status) in listing where !name.isIgnored {
            if let exclude = settings.exclude, name.matches(glob: exclude) { continue }
            if status.kind == .directory {
                if reportedSkips.insert(name).inserted {
                    logger.warning("skipping subdirectory in inbox", metadata: ["file": "\(name.display)"])
                }
                continue
            }
            candidates.append((name, SettleGate.Signature(status)))
        }
        gate.minimumAge = settings.minFileAge
        let elapsed = ContinuousClock.now - clockStart
        let now = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let (ready, settling) = gate.ready(candidates, now: now)
        return (ready, settling, candidates.map(\.signature.modified).min())
    }

    /// Renames the files into processing/. A rename is atomic: a file is claimed whole or not at
    /// all, and a producer's later rename onto the same name cannot touch the claimed one.
    private func claim(_ names: some Collection<FileName>) -> [FileName] {
        var claimed: [FileName] = []
        for name in names {
            do {
                claimed.append(try inbox.move(name, to: processing))
            } catch where error.errno == ENOENT {
                continue  // taken away meanwhile
            } catch {
                logger.error("cannot claim file", metadata: ["file": "\(name.display)", "error": "\(error)"])
                state.note(error: "\(error)")
            }
        }
        return claimed
    }

    // MARK: - Processing a batch

    /// Returns false when the store failed and the pass must stop.
    private func process(_ batch: some Collection<FileName>, into summary: inout DrainSummary) -> Bool {
        var items: [(name: FileName, item: IngestItem)] = []
        for name in batch {
            switch metrics.time(.prepare, { prepare(name) }) {
            case .success(let item):
                items.append((name, item))
            case .failure(.changedWhileReading):
                summary.changing += 1
                logger.notice("changed while being read; left claimed for a later pass", metadata: ["file": "\(name.display)"])
            case .failure(let rejection):
                quarantine(name, reason: rejection.description, into: &summary)
                metrics.countQuarantine(rejection.label)
            }
        }
        guard !items.isEmpty else { return true }

        let outcomes: [IngestOutcome]
        do {
            outcomes = try metrics.time(.commit) { () throws(StoreError) -> [IngestOutcome] in
                try store.use { store throws(StoreError) in
                    try store.ingest(items.map(\.item), maxDistance: settings.maxDistance)
                }
            }
        } catch {
            // Close it: a store held open would keep the file system from being repaired.
            store.release()
            if error.isFatal { logger.critical("store invariant broken", metadata: ["error": "\(error)"]) }
            logger.error("store write failed; files stay claimed for the next pass",
                         metadata: ["error": "\(error)", "files": "\(items.count)"])
            state.degrade(error.description)
            summary.deferred += items.count
            return false
        }
        state.recover()
        if let totals = try? store.use(reopen: false, { store throws(StoreError) in try store.totals() }) {
            state.remember(totals)
        }
        commits += 1
        if commits == exitAfterCommit { _exit(86) }
        state.noteCommit(files: items.count)
        for ((name, item), outcome) in zip(items, outcomes) {
            log(outcome, item: item)
            switch outcome {
            case .stored: summary.stored += 1; metrics.countFile("stored")
            case .duplicate(_, _, .exact, _, _): summary.exactDuplicates += 1; metrics.countFile("exact")
            case .duplicate: summary.nearDuplicates += 1; metrics.countFile("near")
            case .alreadyIngested: summary.recovered += 1; metrics.countFile("recovered")
            }
            do {
                try processing.move(name, to: processed)
            } catch {
                // Committed; the next pass sees the claim key and only moves it.
                logger.error("committed but not moved", metadata: ["file": "\(name.display)", "error": "\(error)"])
                state.note(error: "\(error)")
            }
        }
        return true
    }

    private func prepare(_ name: FileName) -> Result<IngestItem, FileRejection> {
        do throws(FileRejection) {
            let contents = try processing.read(name, cap: settings.maxFileSize)
            let decoded: (text: String, encoding: SourceEncoding)
            do {
                decoded = try TextDecoder.decode(contents.bytes)
            } catch {
                let label = switch error {
                case .empty: "empty"
                case .nulByte: "binary"
                case .invalidUTF8, .oddUTF16Length, .invalidUTF16: "invalid_encoding"
                }
                throw .undecodable(label: label, why: error.description)
            }
            let fingerprint: Fingerprint
            do {
                fingerprint = try fingerprinter.fingerprint(of: decoded.text)
            } catch {
                throw .undecodable(label: "no_words", why: error.description)
            }
            return .success(IngestItem(
                source: name.display, claimKey: contents.status.identity, bytes: contents.bytes,
                encoding: decoded.encoding, fingerprint: fingerprint, receivedAt: Self.nowMilliseconds()))
        } catch {
            return .failure(error)
        }
    }

    private func quarantine(_ name: FileName, reason: String, into summary: inout DrainSummary) {
        let now = Self.nowMilliseconds()
        do {
            let placed = try quarantine.admit(name, from: processing, reason: reason, at: RFC3339.string(fromMilliseconds: now))
            summary.quarantined += 1
            metrics.countFile("quarantined")
            logger.warning("quarantined", metadata: ["file": "\(name.display)", "as": "\(placed.display)", "reason": "\(reason)"])
            try store.use { store throws(StoreError) in try store.recordQuarantine(name: name.display, reason: reason, at: now) }
        } catch {
            logger.error("quarantine failed; file stays in processing/", metadata: ["file": "\(name.display)", "error": "\(error)"])
            state.note(error: "\(error)")
        }
    }

    private func log(_ outcome: IngestOutcome, item: IngestItem) {
        let file = Logger.MetadataValue.string(item.source)
        switch outcome {
        case .stored(let id, let seq):
            logger.info("stored", metadata: ["file": file, "id": "\(id)", "seq": "\(seq)", "simhash": "\(item.fingerprint.simhashHex)"])
        case .duplicate(let id, let of, let kind, let distance, let seq):
            logger.info("duplicate", metadata: ["file": file, "kind": "\(kind.rawValue)", "of": "\(of)", "distance": "\(distance)", "duplicate_id": "\(id)", "seq": "\(seq)"])
        case .alreadyIngested(let seq):
            logger.notice("already committed before a restart; moving it", metadata: ["file": file, "seq": "\(seq)"])
        }
    }

    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
