import ArticleStore
import DedupCore
import Foundation
import InboxScanner
import Synchronization
import SystemSupport

/// The preparation stage: claims a batch's files into a new folder in processing/ (or takes up
/// a folder a previous pass left there), then reads, decodes, fingerprints and compresses them
/// on every lane at once. Touches neither the store nor the summary, so it runs while the batch
/// before it commits. Owns the lanes' caches and the batch folders' numbers.
final class BatchPreparer: Sendable {
    let threads: WorkerThreads
    let live: LiveSettings
    let metrics: Metrics
    let faults: FaultReporter
    let dictionaries: CompressionDictionaries
    let fingerprinter = Fingerprinter()
    /// One cache per lane. A lane holds its own for a whole batch, so the locks are never
    /// contended; they are what lets the lanes' tasks own a cache without sharing it.
    private let caches = (0..<WorkerThreads.lanes).map { _ in LaneCache() }
    /// The N of the next batch folder's name (STAMP-N).
    private let batchNumbers = Atomic<Int>(0)

    init(threads: WorkerThreads, live: LiveSettings, metrics: Metrics, faults: FaultReporter, dictionaries: CompressionDictionaries) {
        self.dictionaries = dictionaries
        self.threads = threads
        self.live = live
        self.metrics = metrics
        self.faults = faults
    }

    /// Seconds one file's text may take to normalise (linear: 16 MiB of the slowest text known
    /// takes under 2 s). A file over it is quarantined, so no file holds a lane, the watchdog
    /// or shutdown for longer.
    static let normalizationBudget = 5.0

    /// The batch claimed and prepared, in file order; nil when no folder could be made (the
    /// files stay where they are). `stopClaiming` is asked before each claim (pause and shutdown
    /// take effect at once) and serves as the heartbeat while a long batch is prepared (it pings
    /// the watchdog).
    func prepare(_ work: BatchWork, spool: Spool, stopClaiming: @escaping @Sendable () -> Bool) async -> PreparedBatch? {
        let folder: BatchFolder
        let names: [FileName]
        let source: Directory?
        switch work {
        case .claim(let claimed, let from):
            let processing = spool.processing, metrics = metrics, faults = faults, numbers = self
            let made = await threads.run(on: .ingest) { () -> BatchFolder? in
                do {
                    return try metrics.time(.claim) { () throws(SystemError) in
                        try BatchFolder(creatingIn: processing, stamp: Self.batchStamp(), number: { numbers.nextBatchNumber() })
                    }
                } catch {
                    faults.fail(.processing, "cannot make a batch folder; files stay where they are", error: error)
                    return nil
                }
            }
            guard let made = made ?? nil else { return nil }
            (folder, names, source) = (made, claimed, from)
        case .leftover(let leftover, let files):
            (folder, names, source) = (leftover, files, nil)
        }
        let results = await prepareAll(names, claimingFrom: source, into: folder, spool: spool, stopClaiming: stopClaiming)
        var batch = PreparedBatch(folder: folder)
        for case let (name, prepared)? in results {
            switch prepared {
            case .success(let item): batch.items.append((name, item))
            case .failure(let rejection): batch.rejected.append((name, rejection))
            }
        }
        return batch
    }

    private func nextBatchNumber() -> Int { batchNumbers.wrappingAdd(1, ordering: .relaxed).newValue }

    /// A batch folder's name: the UTC time it was made, to the millisecond (20261122T194012.345Z).
    static func batchStamp() -> String {
        String(RFC3339.string(fromMilliseconds: IngestPipeline.nowMilliseconds()).filter { $0 != "-" && $0 != ":" })
    }

    /// Claims (when `source` is given, renaming each file from it into `folder`), reads,
    /// decodes, fingerprints and compresses the files, one task per lane, each on an ingest
    /// thread; results in file order: the name in the folder and what came of it, or nil for a
    /// file that could not be claimed (gone meanwhile, or an error, logged). The directories are
    /// synced once for the batch's claims.
    private func prepareAll(_ names: [FileName], claimingFrom source: Directory?, into folder: BatchFolder, spool: Spool,
                            stopClaiming: @escaping @Sendable () -> Bool) async -> [(FileName, Result<IngestItem, FileRejection>)?] {
        // Files that were in processing/ before this pass may have been committed before a crash.
        let mayBeCommitted = source == nil || source === spool.processing
        // Each lane takes the next file when it is free: a lane that shares its core with the
        // commit does less, rather than holding the others up at the end.
        let next = NextIndex()
        let lanes = min(caches.count, names.count)
        // Read once a batch, not per file: a reload applies from the next batch.
        let cap = live.value.maxFileSize
        // Likewise the dictionaries: one trained during this batch applies from the next.
        let dictionaries = self.dictionaries.current
        var results = [(FileName, Result<IngestItem, FileRejection>)?](repeating: nil, count: names.count)
        await withTaskGroup(of: [(Int, FileName, Result<IngestItem, FileRejection>)].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    await self.threads.run(on: .ingest) {
                        self.caches[lane].state.withLock { cache in
                            var done: [(Int, FileName, Result<IngestItem, FileRejection>)] = []
                            while true {
                                let index = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                                guard index < names.count else { break }
                                // Asked before every file: a pause or a shutdown stops the claims
                                // at once. A file already claimed is always prepared (one left
                                // unprepared in its folder would be archived uncommitted), so
                                // files of a leftover folder are never skipped.
                                if stopClaiming(), source != nil { break }
                                var claimed: FileName? = names[index]
                                if let source {
                                    claimed = self.metrics.time(.claim) { self.claim(names[index], from: source, into: folder) }
                                }
                                guard let name = claimed else { continue }
                                let result = self.metrics.time(.prepare) {
                                    self.prepare(name, in: folder, cap: cap, mayBeCommitted: mayBeCommitted, cache: &cache,
                                                 dictionaries: dictionaries)
                                }
                                done.append((index, name, result))
                            }
                            return done
                        }
                    } ?? []
                }
            }
            for await lane in group {
                for (index, name, result) in lane { results[index] = (name, result) }
            }
        }
        if let source, results.contains(where: { $0 != nil }) {
            let (metrics, faults, processing) = (metrics, faults, spool.processing)
            _ = await threads.run(on: .ingest) {
                metrics.time(.claim) { faults.sync(source, folder.directory, processing) }
                faults.cleared(.claims)
            }
        }
        return results
    }

    /// Renames a file from `source` into the batch's folder in processing/ and returns its name
    /// there; nil if it cannot be claimed (taken away meanwhile, or an error, logged). A rename
    /// is atomic: a file is claimed whole or not at all, and a producer's later rename onto the
    /// same name cannot touch the claimed one. The directories are synced once per batch, not
    /// per file: a claim that a power cut undoes puts the file back where it was, where it is
    /// claimed again, and its claim key tells it apart if it was committed meanwhile.
    private func claim(_ name: FileName, from source: Directory, into folder: BatchFolder) -> FileName? {
        do {
            return try source.move(name, to: folder.directory, syncing: false)
        } catch where error.errno == ENOENT {
            return nil  // taken away meanwhile
        } catch {
            faults.fail(.claims, "cannot claim file", error: error, metadata: ["file": "\(name.display)"])
            return nil
        }
    }

    private func prepare(_ name: FileName, in folder: BatchFolder, cap: Int, mayBeCommitted: Bool,
                         cache: inout LaneCache.State, dictionaries: [WritingScript: PresetDictionary]) -> Result<IngestItem, FileRejection> {
        do throws(FileRejection) {
            let contents = try metrics.time(.read) { () throws(FileRejection) in
                try folder.directory.read(name, cap: cap)
            }
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
                    try fingerprinter.analyze(decoded.text, cache: &cache.normalization, budget: Self.normalizationBudget)
                }
            } catch {
                switch error {
                case .noWords: throw .undecodable(label: "no_words", why: error.description)
                case .overBudget: throw .undecodable(label: "over_budget", why: error.description)
                }
            }
            let compressed = metrics.time(.compress) { compress(contents.bytes, text: decoded.text, dictionaries, &cache.deflaters) }
            return .success(IngestItem(
                source: name.display,
                claimKey: ClaimKey.of(folder: folder.name, name: name, status: contents.status, bytes: contents.bytes),
                legacyClaimKey: mayBeCommitted ? contents.status.identity : nil, bytes: contents.bytes,
                encoding: decoded.encoding, fingerprint: analysis.fingerprint, shingles: analysis.shingles,
                receivedAt: IngestPipeline.nowMilliseconds(),
                // A failure here is left to the commit, which compresses again and reports it.
                compressedBody: compressed?.body, dictionaryID: compressed?.dictionaryID))
        } catch {
            return .failure(error)
        }
    }
}

extension BatchPreparer {
    /// zlib's level with a dictionary. A dictionary lengthens the hash chains deflate searches:
    /// at level 6 bodies were 0.82 × their plain level-6 size on the evaluation corpus, but
    /// compressing took 1.6-2.3 × as long and `--once` on 20,000 articles 1.2 × the wall time
    /// and 1.3 × the CPU; level 5 (a fourth of the chain) keeps 0.86 × at about the plain time
    /// (`newsdedup-bench dictionaries`; README, Benchmarks).
    static let dictionaryLevel: Int32 = 5

    /// The body compressed with the dictionary of the text's script, through this lane's primed
    /// deflater for it; without one when the script has none yet (counted toward training one).
    func compress(_ bytes: [UInt8], text: String, _ dictionaries: [WritingScript: PresetDictionary],
                  _ deflaters: inout [Int64: PrimedDeflater]) -> (body: [UInt8], dictionaryID: Int64?)? {
        let script = WritingScript.dominant(in: text)
        if let dictionary = dictionaries[script] {
            if deflaters[dictionary.id] == nil { deflaters[dictionary.id] = try? PrimedDeflater(dictionary, level: Self.dictionaryLevel) }
            if let body = try? deflaters[dictionary.id]?.compress(bytes) { return (body, dictionary.id) }
        } else {
            self.dictionaries.countWithout(script, bytes: bytes.count)
        }
        return (try? ZlibCodec.compress(bytes)).map { ($0, nil) }
    }
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

/// A lane's caches, owned by the lane's task for a batch: its words' normalisations and a
/// primed deflater per dictionary it has compressed with.
final class LaneCache: Sendable {
    struct State {
        var normalization: NormalizationCache? = NormalizationCache()
        var deflaters: [Int64: PrimedDeflater] = [:]
    }

    let state = Mutex(State())
}

/// The next file for a free lane to take.
final class NextIndex: Sendable {
    let value = Atomic<Int>(0)
}
