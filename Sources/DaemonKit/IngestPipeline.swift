public import ArticleStore
import ControlProtocol
import DedupCore
import Foundation
public import InboxScanner
public import Logging

/// What one drain did, for `--once` and the logs.
public struct DrainSummary: Sendable, Equatable {
    public var stored = 0
    public var exactDuplicates = 0
    public var nearDuplicates = 0
    public var quarantined = 0
    /// Committed before a restart, moved now.
    public var recovered = 0
    /// Left in place because the store failed.
    public var deferred = 0

    public var total: Int { stored + exactDuplicates + nearDuplicates + quarantined + recovered }
}

/// The data flow of DESIGN.md, one batch at a time:
/// inbox ─claim (rename)→ processing ─read, decode, fingerprint→ one transaction → processed.
/// A file's own fault sends it to quarantine; a store fault leaves it in processing/ for the
/// next pass. No file leaves processing/ before its row is committed.
public final class IngestPipeline: @unchecked Sendable {
    // @unchecked: used by one task at a time (the ingest loop, or `--once`).
    let settings: DaemonSettings
    let store: Store
    let state: DaemonState
    let logger: Logger
    let inbox: Directory
    let processing: Directory
    let processed: Directory
    let quarantine: Quarantine
    let fingerprinter = Fingerprinter()
    private var reportedSkips: Set<FileName> = []

    public init(settings: DaemonSettings, store: Store, state: DaemonState, logger: Logger) throws(SystemError) {
        self.settings = settings
        self.store = store
        self.state = state
        self.logger = logger
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

    /// Drains the inbox until it holds nothing claimable, `shouldStop` says so between batches,
    /// or the store fails. Files claimed before (a crash, a store fault) go first.
    public func drain(shouldStop: () -> Bool = { false }) -> DrainSummary {
        var summary = DrainSummary()
        while !shouldStop() {
            let leftovers = (try? processing.entries().filter { !$0.isIgnored }) ?? []
            let batch: [FileName]
            if !leftovers.isEmpty {
                batch = Array(leftovers.prefix(settings.batchSize))
            } else {
                batch = claimBatch()
                if batch.isEmpty { break }
            }
            guard process(batch, into: &summary) else { break }
        }
        if (try? inboxCandidates().isEmpty) == true { state.setBacklog(0) }
        return summary
    }

    // MARK: - Claiming

    private func inboxCandidates() throws(SystemError) -> [FileName] {
        try inbox.entries().filter { !$0.isIgnored }
    }

    /// Renames up to a batch of files from the inbox into processing/. A rename is atomic: a
    /// file is claimed whole or not at all. Subdirectories are left alone.
    private func claimBatch() -> [FileName] {
        let candidates: [FileName]
        do {
            candidates = try inboxCandidates()
        } catch {
            logger.error("cannot list inbox", metadata: ["error": "\(error)"])
            state.note(error: "\(error)")
            return []
        }
        state.setBacklog(candidates.count)
        var claimed: [FileName] = []
        for name in candidates where claimed.count < settings.batchSize {
            guard let status = try? inbox.status(of: name) else { continue }  // gone meanwhile
            if status.kind == .directory {
                if reportedSkips.insert(name).inserted {
                    logger.warning("skipping subdirectory in inbox", metadata: ["file": "\(name.display)"])
                }
                continue
            }
            do {
                claimed.append(try inbox.move(name, to: processing))
            } catch {
                logger.error("cannot claim file", metadata: ["file": "\(name.display)", "error": "\(error)"])
                state.note(error: "\(error)")
            }
        }
        return claimed
    }

    // MARK: - Processing a batch

    /// Returns false when the store failed and the pass must stop.
    private func process(_ batch: [FileName], into summary: inout DrainSummary) -> Bool {
        var items: [(name: FileName, item: IngestItem)] = []
        for name in batch {
            switch prepare(name) {
            case .success(let item): items.append((name, item))
            case .failure(let rejection): quarantine(name, reason: rejection.description, into: &summary)
            }
        }
        guard !items.isEmpty else { return true }

        let outcomes: [IngestOutcome]
        do {
            outcomes = try store.ingest(items.map(\.item), maxDistance: settings.maxDistance)
        } catch {
            if error.isFatal { logger.critical("store invariant broken", metadata: ["error": "\(error)"]) }
            logger.error("store write failed; files stay claimed for the next pass",
                         metadata: ["error": "\(error)", "files": "\(items.count)"])
            state.degrade(error.description)
            summary.deferred += items.count
            return false
        }
        state.recover()
        for ((name, item), outcome) in zip(items, outcomes) {
            log(outcome, item: item)
            switch outcome {
            case .stored: summary.stored += 1
            case .duplicate(_, _, .exact, _, _): summary.exactDuplicates += 1
            case .duplicate: summary.nearDuplicates += 1
            case .alreadyIngested: summary.recovered += 1
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
                throw .undecodable(error.description)
            }
            let fingerprint: Fingerprint
            do {
                fingerprint = try fingerprinter.fingerprint(of: decoded.text)
            } catch {
                throw .undecodable(error.description)
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
            logger.warning("quarantined", metadata: ["file": "\(name.display)", "as": "\(placed.display)", "reason": "\(reason)"])
            try store.recordQuarantine(name: name.display, reason: reason, at: now)
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
