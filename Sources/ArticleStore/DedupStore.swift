public import DedupCore
import Foundation

/// What the daemon needs of a store, and all it knows of one: the SQLite `Store` is one
/// implementation, and a second (PostgreSQL, for several daemons) goes beside it without the
/// ingest pipeline or the control commands changing.
///
/// One writer drives the write side, one batch at a time: the daemon's committer (`ingest`,
/// `recordQuarantine`) and, between batches, retention. Verdicts are decided inside `ingest`'s
/// transaction, against everything committed before it, with the store's near-duplicate index;
/// a store keeps that index current itself. The read side may be called from any thread at
/// any time. Every method blocks: callers run them on a worker thread, never an event loop.
public protocol DedupStore: AnyObject, Sendable {
    /// Where the store is, as the operator named it.
    var path: String { get }
    /// This store's identity (a reopen must find the same store, a backup is told apart).
    var identity: String { get }

    // MARK: The writer's

    /// Commits a batch in one transaction: each item stored, or recorded as a duplicate of an
    /// earlier article (of this batch too), or recognised as committed before (its claim key);
    /// the claims of files whose batch has left processing/ (`releasing`) are forgotten.
    func ingest(_ items: [IngestItem], maxDistance: Int, releasing: [String]) throws(StoreError) -> [IngestOutcome]
    func recordQuarantine(name: String, reason: String, at: Int64) throws(StoreError)
    /// The dedup window: older articles leave the near-duplicate index, or the store.
    func applyRetention(receivedBefore cutoff: Int64, delete: Bool) throws(StoreError) -> RetentionResult
    /// Loads the near-duplicate index before the first batch.
    func warmIndex() async throws(StoreError)
    /// Fails when what is written is no longer the store the operator has (deleted, replaced).
    func verifyFiles() throws(StoreError)
    /// The newest preset dictionary of each script, for compressing new bodies.
    func currentDictionaries() -> [WritingScript: PresetDictionary]
    /// Trains dictionaries from the newest stored articles (see `Store.trainDictionaries`).
    func trainDictionaries(for scripts: Set<WritingScript>?, at now: Int64, recompressingAt level: Int32) throws(StoreError)
        -> DictionaryTraining
    /// A write that changes nothing: whether the store can commit again after a fault.
    func probeWrite() throws(StoreError)
    /// How long each batch since the last call held a lock other writers wait for (the
    /// PostgreSQL store's global lock), in seconds; the SQLite store has one writer: none.
    func takeLockHolds() -> [Double]
    func close() throws(StoreError)

    // MARK: Anyone's

    func totals() throws(StoreError) -> StoreTotals
    /// What the store takes on disk (SQLite: the file and its WAL; PostgreSQL: the database).
    func bytesOnDisk() throws(StoreError) -> Int64
    /// Feed records after `seq`, in seq order.
    func feed(since seq: Int64, limit: Int) throws(StoreError) -> [FeedEntry]
    /// Any received item, article or duplicate, with its bytes.
    func item(id: Int64) throws(StoreError) -> StoredItem?
    /// Stored articles near a fingerprint, by the same paths as `ingest` finds candidates.
    func similar(_ fingerprint: Fingerprint, maxDistance: Int) throws(StoreError) -> [SimilarArticle]
    /// The duplicates recorded for an article; nil when there is no such article.
    func duplicates(of id: Int64) throws(StoreError) -> [DuplicateEntry]?
    func check() throws(StoreError) -> ConsistencyReport
    /// A consistent copy at `path` (which must not exist) while ingest goes on; its size.
    func backup(to path: String) throws(StoreError) -> Int64
}

extension Store: DedupStore {
    public func takeLockHolds() -> [Double] { [] }

    public func bytesOnDisk() throws(StoreError) -> Int64 { Self.sizeOnDisk(path) }

    /// The database file and its WAL, as they take space on disk.
    public static func sizeOnDisk(_ path: String) -> Int64 {
        [path, path + "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int64 }.reduce(0, +)
    }
}
