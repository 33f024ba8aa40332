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
    /// processing/ only after its row is committed. `claiming`: the names are in the inbox and
    /// each lane claims its file before reading it; otherwise they are in processing/ already.
    /// Returns false when it stopped early: asked to, or the store failed; a batch prepared but
    /// not committed then stays claimed for the next pass.
    func processAll(_ chunks: [ArraySlice<FileName>], claiming: Bool, shouldStop: () -> Bool,
                    progress: (DrainSummary) -> Void = { _ in }, into summary: inout DrainSummary) -> Bool {
        var chunks = chunks[...]
        var pending: PreparedBatch?
        var committed: [FileName] = []
        while true {
            let chunk = shouldStop() ? nil : chunks.popFirst()
            if chunk == nil, pending == nil, committed.isEmpty { break }
            let moving = committed.isEmpty ? nil : Lanes.beside { [committed] in
                self.metrics.time(.move) { self.moveCommitted(committed) }
            }
            let next = PreparedBox()
            let preparing = chunk.map { chunk in Lanes.beside { next.batch = self.prepareBatch(Array(chunk), claiming: claiming) } }
            committed = []
            var failed = false
            if let current = pending {
                if let names = commit(current, into: &summary) {
                    committed = names
                    progress(summary)
                } else {
                    failed = true
                }
            }
            moving?.wait()
            preparing?.wait()
            if failed { return false }
            pending = next.batch
        }
        return !shouldStop()
    }

    /// Claims (when `claiming`), reads, decodes, fingerprints and compresses a batch; touches
    /// neither the store nor the summary, so it can run while the batch before it commits.
    func prepareBatch(_ names: [FileName], claiming: Bool) -> PreparedBatch {
        var batch = PreparedBatch()
        for case let (name, prepared)? in prepareAll(names, claiming: claiming) {
            switch prepared {
            case .success(let item): batch.items.append((name, item))
            case .failure(let rejection): batch.rejected.append((name, rejection))
            }
        }
        return batch
    }

    /// Quarantines a prepared batch's rejects and commits the rest in one transaction. Returns
    /// the committed files, for `moveCommitted`; nil when the store failed and the pass must stop.
    func commit(_ batch: PreparedBatch, into summary: inout DrainSummary) -> [FileName]? {
        for (name, rejection) in batch.rejected {
            switch rejection {
            case .changedWhileReading:
                summary.changing += 1
                logger.notice("changed while being read; left claimed for a later pass", metadata: ["file": "\(name.display)"])
            default:
                quarantine(name, reason: rejection.description, into: &summary)
                metrics.countQuarantine(rejection.label)
            }
        }
        state.takeFromBacklog(batch.rejected.filter { $0.rejection != .changedWhileReading }.count)
        let items = batch.items
        guard !items.isEmpty else { return [] }

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
            case .duplicate(_, _, .exact, _, _, _): summary.exactDuplicates += 1; metrics.countFile("exact")
            case .duplicate: summary.nearDuplicates += 1; metrics.countFile("near")
            case .alreadyIngested: summary.recovered += 1; metrics.countFile("recovered")
            }
        }
        return items.map(\.name)
    }

    /// Moves one committed batch to processed/ (see `process`).
    func moveCommitted(_ names: [FileName]) {
        for name in names {
            do {
                try processing.move(name, to: processed, syncing: false)
            } catch {
                // Committed; the next pass sees the claim key and only moves it.
                logger.error("committed but not moved", metadata: ["file": "\(name.display)", "error": "\(error)"])
                state.note(error: "\(error)")
            }
        }
        syncDirectories(processing, processed)
    }

    /// fsyncs directories after a batch of renames; a failure is logged (the renames stand, and
    /// the claim keys make a lost one harmless).
    func syncDirectories(_ directories: Directory...) {
        for directory in directories {
            do {
                try directory.sync()
            } catch {
                logger.error("cannot sync directory", metadata: ["directory": "\(directory.path)", "error": "\(error)"])
                state.note(error: "\(error)")
            }
        }
    }

    /// Claims (when `claiming`), reads, decodes, fingerprints and compresses the files on every
    /// lane at once, results in file order: the name as claimed and what came of it, or nil for
    /// a file that could not be claimed (gone meanwhile, or an error, logged). The inbox and
    /// processing/ are synced once for the batch's claims.
    func prepareAll(_ names: [FileName], claiming: Bool) -> [(FileName, Result<IngestItem, FileRejection>)?] {
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
                        let claimed = claiming ? self.metrics.time(.claim) { self.claim(names[index]) } : Optional(names[index])
                        guard let name = claimed else { continue }
                        results.value[index] = (name, self.metrics.time(.prepare) { self.prepare(name, cache: &caches.value[lane]) })
                    }
                }
            }
        }
        if claiming, results.contains(where: { $0 != nil }) { metrics.time(.claim) { syncDirectories(inbox, processing) } }
        return results
    }

    func prepare(_ name: FileName, cache: inout NormalizationCache?) -> Result<IngestItem, FileRejection> {
        do throws(FileRejection) {
            let contents = try metrics.time(.read) { () throws(FileRejection) in try processing.read(name, cap: settings.maxFileSize) }
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
                    try fingerprinter.analyze(decoded.text, cache: &cache)
                }
            } catch {
                throw .undecodable(label: "no_words", why: error.description)
            }
            return .success(IngestItem(
                source: name.display, claimKey: contents.status.identity, bytes: contents.bytes,
                encoding: decoded.encoding, fingerprint: analysis.fingerprint, shingles: analysis.shingles,
                receivedAt: Self.nowMilliseconds(),
                // A failure here is left to the commit, which compresses again and reports it.
                compressedBody: metrics.time(.compress) { try? ZlibCodec.compress(contents.bytes) }))
        } catch {
            return .failure(error)
        }
    }

    func quarantine(_ name: FileName, reason: String, into summary: inout DrainSummary) {
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

    func log(_ outcome: IngestOutcome, item: IngestItem) {
        let file = Logger.MetadataValue.string(item.source)
        switch outcome {
        case .stored(let id, let seq):
            logger.info("stored", metadata: ["file": file, "id": "\(id)", "seq": "\(seq)", "simhash": "\(item.fingerprint.simhashHex)"])
        case .duplicate(let id, let of, let kind, let distance, let containment, let seq):
            var metadata: Logger.Metadata = [
                "file": file, "kind": "\(kind.rawValue)", "of": "\(of)", "distance": "\(distance)", "duplicate_id": "\(id)", "seq": "\(seq)",
            ]
            if let containment { metadata["matched_on"] = "lead"; metadata["containment"] = "\(Self.score(containment))" }
            logger.info("duplicate", metadata: metadata)
        case .alreadyIngested(let seq):
            logger.notice("already committed before a restart; moving it", metadata: ["file": file, "seq": "\(seq)"])
        }
    }
}

extension IngestPipeline {
    /// A containment score as logs and replies show it: three decimals.
    static func score(_ value: Double) -> String { String(format: "%.3f", value) }
}

/// A batch read, decoded, fingerprinted and compressed, in file order, not yet committed.
struct PreparedBatch: Sendable {
    var items: [(name: FileName, item: IngestItem)] = []
    var rejected: [(name: FileName, rejection: FileRejection)] = []
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
