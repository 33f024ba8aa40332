import ArticleStore
import ControlProtocol
import DedupCore
import Foundation
import InboxScanner
import Logging
import Synchronization

extension IngestPipeline {
    // MARK: - Processing a batch

    /// Runs the batches through claim, preparation, commit and move, three batches at a time:
    /// one thread commits batch k, the lanes claim and prepare batch k + 1, and another thread
    /// moves batch k - 1, committed, to processed/. Commits and directory syncs are mostly
    /// waits for the disk, renames are kernel work: the three overlap. A file still leaves
    /// processing/ only after its row is committed. Returns false when it stopped early: asked
    /// to, or the store failed; a batch prepared but not committed then stays in its folder in
    /// processing/ for the next pass.
    func processAll(_ work: [BatchWork], shouldStop: @escaping @Sendable () -> Bool,
                    progress: (DrainSummary) -> Void = { _ in }, into summary: inout DrainSummary) -> Bool {
        var work = work[...]
        var pending: PreparedBatch?
        var committed: CommittedBatch?
        while true {
            let next = shouldStop() ? nil : work.popFirst()
            if next == nil, pending == nil, committed == nil { break }
            let moving = committed.map { batch in Lanes.beside { self.metrics.time(.move) { self.archive(batch) } } }
            let box = PreparedBox()
            let preparing = next.map { next in Lanes.beside { box.batch = self.prepareBatch(next, stopClaiming: shouldStop) } }
            committed = nil
            var failed = false
            if let current = pending {
                if let done = commit(current, into: &summary) {
                    committed = done
                    progress(summary)
                } else {
                    failed = true
                }
            }
            moving?.wait()
            preparing?.wait()
            if failed { return false }
            pending = box.batch
        }
        return !shouldStop()
    }

    /// Claims (into a new folder) or takes up (a leftover folder), reads, decodes, fingerprints
    /// and compresses a batch; touches neither the store nor the summary, so it can run while the
    /// batch before it commits. Nil when no folder could be made: the files stay where they are.
    /// `stopClaiming` is asked before each claim (pause and shutdown take effect at once) and
    /// serves as the heartbeat while a long batch is prepared (it pings the watchdog).
    func prepareBatch(_ work: BatchWork, stopClaiming: @escaping @Sendable () -> Bool) -> PreparedBatch? {
        let folder: BatchFolder
        let results: [(FileName, Result<IngestItem, FileRejection>)?]
        switch work {
        case .claim(let names, let source):
            do {
                folder = try metrics.time(.claim) { () throws(SystemError) in
                    try BatchFolder(creatingIn: processing, stamp: Self.batchStamp(),
                                    number: { self.batchNumbers.wrappingAdd(1, ordering: .relaxed).newValue })
                }
            } catch {
                faults.fail(.processing, "cannot make a batch folder; files stay where they are", error: error)
                return nil
            }
            results = prepareAll(names, claimingFrom: source, into: folder, stopClaiming: stopClaiming)
        case .leftover(let leftover, let names):
            folder = leftover
            results = prepareAll(names, claimingFrom: nil, into: folder, stopClaiming: stopClaiming)
        }
        var batch = PreparedBatch(folder: folder)
        for case let (name, prepared)? in results {
            switch prepared {
            case .success(let item): batch.items.append((name, item))
            case .failure(let rejection): batch.rejected.append((name, rejection))
            }
        }
        return batch
    }

    /// Quarantines a prepared batch's rejects and commits the rest in one transaction. Returns
    /// the batch for `archive`; nil when the store failed and the pass must stop.
    func commit(_ batch: PreparedBatch, into summary: inout DrainSummary) -> CommittedBatch? {
        var strays: [FileName] = []
        for (name, rejection) in batch.rejected {
            switch rejection {
            case .changedWhileReading:
                summary.changing += 1
                strays.append(name)
                logger.notice("changed while being read; left claimed for a later pass", metadata: ["file": "\(name.display)"])
            default:
                if !quarantine(name, from: batch.folder, reason: rejection.description, into: &summary) { strays.append(name) }
                metrics.countQuarantine(rejection.label)
            }
        }
        state.takeFromBacklog(batch.rejected.filter { $0.rejection != .changedWhileReading }.count)
        let items = batch.items
        guard !items.isEmpty else { return CommittedBatch(folder: batch.folder, committed: 0, strays: strays) }

        let outcomes: [IngestOutcome]
        do {
            outcomes = try metrics.time(.commit) { () throws(StoreError) -> [IngestOutcome] in
                try store.use { store throws(StoreError) in
                    // The file written must still be the store at its path (see `verifyFiles`).
                    try store.verifyFiles()
                    return try store.ingest(items.map(\.item), maxDistance: settings.maxDistance)
                }
            }
        } catch {
            // Close it: a store held open would keep the file system from being repaired. A
            // store deleted or replaced under the daemon stays open: it holds the only copy of
            // what was committed, which `newsdedupctl backup` can still save.
            if error.kind != .lost { store.release() }
            if error.isFatal { logger.critical("store invariant broken", metadata: ["error": "\(error)"]) }
            logger.error("store write failed; files stay claimed for the next pass",
                         metadata: ["error": "\(error)", "files": "\(items.count)", "folder": "\(batch.folder.name.display)"])
            state.degrade(error.description)
            summary.deferred += items.count
            return nil
        }
        state.recover()
        if let totals = try? store.use(reopen: false, { store throws(StoreError) in try store.totals() }) {
            state.remember(totals)
        }
        commits += 1
        if commits == exitAfterCommit { _exit(86) }
        state.noteCommit(files: items.count)
        state.takeFromBacklog(items.count)
        for ((_, item), outcome) in zip(items, outcomes) {
            log(outcome, item: item)
            switch outcome {
            case .stored: summary.stored += 1; metrics.countFile("stored")
            case .duplicate(_, _, .exact, _, _, _, _): summary.exactDuplicates += 1; metrics.countFile("exact")
            case .duplicate: summary.nearDuplicates += 1; metrics.countFile("near")
            case .alreadyIngested: summary.recovered += 1; metrics.countFile("recovered")
            }
        }
        return CommittedBatch(folder: batch.folder, committed: items.count, strays: strays)
    }

    /// Moves a committed batch's folder to processed/DAY/ in one rename. Files that must not go
    /// with it (changed while being read, a quarantine that failed) go back to processing/
    /// first, to be claimed again; if one cannot, the folder stays, and the next pass takes it
    /// up: its committed files are recognised by their claim keys and only moved.
    func archive(_ batch: CommittedBatch) {
        let folder = batch.folder
        var stranded = false
        for stray in batch.strays {
            do {
                try folder.directory.move(stray, to: processing, syncing: false)
            } catch {
                faults.fail(.processing, "cannot put a file back in processing/; its batch folder stays for the next pass",
                            error: error, metadata: ["file": "\(stray.display)", "folder": "\(folder.name.display)"])
                stranded = true
            }
        }
        if !batch.strays.isEmpty { syncDirectories(folder.directory, processing) }
        if stranded { return }
        do {
            if batch.committed == 0 {
                // Nothing committed (all quarantined, gone, or changing): no folder in processed/.
                if try processing.removeEmptyDirectory(folder.name) { try processing.sync() }
                return
            }
            try processedArchive.archive(folder, from: processing, day: String(RFC3339.string(fromMilliseconds: Self.nowMilliseconds()).prefix(10)))
            faults.cleared(.processed)
        } catch {
            // Committed; the next pass sees the claim keys and only moves the files.
            faults.fail(.processed, "committed but not moved to processed/", error: error, metadata: ["folder": "\(folder.name.display)"])
        }
    }

    /// A batch folder's name: the UTC time it was made, to the millisecond (20261122T194012.345Z).
    static func batchStamp() -> String {
        String(RFC3339.string(fromMilliseconds: nowMilliseconds()).filter { $0 != "-" && $0 != ":" })
    }

    /// fsyncs directories after a batch of renames; a failure is logged (the renames stand, and
    /// the claim keys make a lost one harmless).
    func syncDirectories(_ directories: Directory...) {
        for directory in directories {
            do {
                try directory.sync()
            } catch {
                faults.fail(.processing, "cannot sync directory", error: error, metadata: ["directory": "\(directory.path)"])
            }
        }
    }

    /// Claims (when `source` is given, renaming each file from it into `folder`), reads,
    /// decodes, fingerprints and compresses the files on every lane at once, results in file
    /// order: the name in the folder and what came of it, or nil for a file that could not be
    /// claimed (gone meanwhile, or an error, logged). The directories are synced once for the
    /// batch's claims.
    func prepareAll(_ names: [FileName], claimingFrom source: Directory?, into folder: BatchFolder,
                    stopClaiming: @escaping @Sendable () -> Bool)
        -> [(FileName, Result<IngestItem, FileRejection>)?] {
        // Files that were in processing/ before this pass may have been committed before a crash.
        let mayBeCommitted = source == nil || source === processing
        var results = [(FileName, Result<IngestItem, FileRejection>)?](repeating: nil, count: names.count)
        results.withUnsafeMutableBufferPointer { results in
            laneCaches.withUnsafeMutableBufferPointer { caches in
                let (results, caches) = (UnsafeSendable(results), UnsafeSendable(caches))
                // Each lane takes the next file when it is free: a lane that shares its core with
                // the commit does less, rather than holding the others up at the end.
                let next = NextIndex()
                Lanes.run(min(caches.value.count, names.count)) { lane in
                    while true {
                        let index = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < names.count else { break }
                        // Asked before every file: a pause or a shutdown stops the claims at
                        // once, and the call pings the watchdog while a long batch is prepared.
                        // A file already claimed is always prepared (one left unprepared in its
                        // folder would be archived uncommitted), so files of a leftover folder
                        // are never skipped.
                        if stopClaiming(), source != nil { break }
                        var claimed: FileName? = names[index]
                        if let source { claimed = self.metrics.time(.claim) { self.claim(names[index], from: source, into: folder) } }
                        guard let name = claimed else { continue }
                        results.value[index] = (name, self.metrics.time(.prepare) { self.prepare(name, in: folder, mayBeCommitted: mayBeCommitted, cache: &caches.value[lane]) })
                    }
                }
            }
        }
        if let source, results.contains(where: { $0 != nil }) {
            metrics.time(.claim) { syncDirectories(source, folder.directory, processing) }
            faults.cleared(.claims)
        }
        return results
    }

    func prepare(_ name: FileName, in folder: BatchFolder, mayBeCommitted: Bool,
                 cache: inout NormalizationCache?) -> Result<IngestItem, FileRejection> {
        do throws(FileRejection) {
            let contents = try metrics.time(.read) { () throws(FileRejection) in try folder.directory.read(name, cap: settings.maxFileSize) }
            let decoded: (text: String, encoding: SourceEncoding)
            do {
                decoded = try metrics.time(.decode) { () throws(DecodeError) in try TextDecoder.decode(contents.bytes) }
            } catch {
                let label = switch error {
                case .empty: "empty"
                case .nulByte: "binary"
                case .invalidUTF8, .oddUTF16Length, .invalidUTF16: "invalid_encoding"
                }
                throw .undecodable(label: label, why: error.description)
            }
            let analysis: (fingerprint: Fingerprint, shingles: ShingleSet)
            do {
                analysis = try metrics.time(.fingerprint) { () throws(FingerprintError) in
                    try fingerprinter.analyze(decoded.text, cache: &cache, budget: Self.normalizationBudget)
                }
            } catch {
                switch error {
                case .noWords: throw .undecodable(label: "no_words", why: error.description)
                case .overBudget: throw .undecodable(label: "over_budget", why: error.description)
                }
            }
            return .success(IngestItem(
                source: name.display,
                claimKey: ClaimKey.of(folder: folder.name, name: name, status: contents.status, bytes: contents.bytes),
                legacyClaimKey: mayBeCommitted ? contents.status.identity : nil, bytes: contents.bytes,
                encoding: decoded.encoding, fingerprint: analysis.fingerprint, shingles: analysis.shingles,
                receivedAt: Self.nowMilliseconds(),
                // A failure here is left to the commit, which compresses again and reports it.
                compressedBody: metrics.time(.compress) { try? ZlibCodec.compress(contents.bytes) }))
        } catch {
            return .failure(error)
        }
    }

    /// Quarantines a file of `folder`; false when that failed (logged), the file still there.
    func quarantine(_ name: FileName, from folder: BatchFolder, reason: String, into summary: inout DrainSummary) -> Bool {
        let now = Self.nowMilliseconds()
        do {
            let placed = try quarantine.admit(name, from: folder.directory, reason: reason, at: RFC3339.string(fromMilliseconds: now))
            summary.quarantined += 1
            metrics.countFile("quarantined")
            logger.warning("quarantined", metadata: ["file": "\(name.display)", "as": "\(placed.display)", "reason": "\(reason)"])
        } catch {
            faults.fail(.quarantine, "quarantine failed; file stays claimed", error: error, metadata: ["file": "\(name.display)"])
            return false
        }
        faults.cleared(.quarantine)
        do {
            try store.use { store throws(StoreError) in try store.recordQuarantine(name: name.display, reason: reason, at: now) }
        } catch {
            logger.error("quarantined, but not recorded in the store", metadata: ["file": "\(name.display)", "error": "\(error)"])
        }
        return true
    }

    func log(_ outcome: IngestOutcome, item: IngestItem) {
        let file = Logger.MetadataValue.string(item.source)
        switch outcome {
        case .stored(let id, let seq):
            logger.info("stored", metadata: ["file": file, "id": "\(id)", "seq": "\(seq)", "simhash": "\(item.fingerprint.simhashHex)"])
        case .duplicate(let id, let of, let kind, let distance, let containment, let path, let seq):
            var metadata: Logger.Metadata = [
                "file": file, "kind": "\(kind.rawValue)", "of": "\(of)", "distance": "\(distance)", "duplicate_id": "\(id)", "seq": "\(seq)",
            ]
            if let containment { metadata["containment"] = "\(Self.score(containment))" }
            if let path { metadata["matched_on"] = "\(path.rawValue)" }
            logger.info("duplicate", metadata: metadata)
        case .alreadyIngested(let seq):
            logger.notice("already committed before a restart; moving it", metadata: ["file": file, "seq": "\(seq)"])
        }
    }
}

extension IngestPipeline {
    /// Seconds one file's text may take to normalise (linear: 16 MiB of the slowest text known
    /// takes under 2 s). A file over it is quarantined, so no file holds a lane, the watchdog
    /// or shutdown for longer.
    static let normalizationBudget = 5.0

    /// A containment score as logs and replies show it: three decimals.
    static func score(_ value: Double) -> String { String(format: "%.3f", value) }
}

/// One batch's files: names to claim from a directory (the inbox, or files loose in
/// processing/), or the files of a folder that a previous pass left in processing/.
enum BatchWork: Sendable {
    case claim([FileName], from: Directory)
    case leftover(BatchFolder, [FileName])
}

/// A batch read, decoded, fingerprinted and compressed, in file order, not yet committed.
struct PreparedBatch: Sendable {
    let folder: BatchFolder
    var items: [(name: FileName, item: IngestItem)] = []
    var rejected: [(name: FileName, rejection: FileRejection)] = []
}

/// A batch whose rows are committed: its folder, how many of its files were committed, and
/// the files in it that must not go to processed/ with them.
struct CommittedBatch: Sendable {
    let folder: BatchFolder
    let committed: Int
    let strays: [FileName]
}

/// Where the batch prepared beside a commit is handed back; written by that one task, read
/// after waiting for it.
final class PreparedBox: @unchecked Sendable {
    var batch: PreparedBatch?
}

/// The next file for a free lane to take.
final class NextIndex: Sendable {
    let value = Atomic<Int>(0)
}

/// A buffer handed to the preparation lanes, each of which writes only its own indexes.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
