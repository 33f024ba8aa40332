import ArticleStore
import Synchronization

/// The store as the daemon holds it (any `DedupStore`: the SQLite `Store` or a `PostgresStore`)
/// with its writer lock: opened on first use, both let go after a write fault and taken again on the next retry.
/// Holding no file open while degraded is what lets an operator repair the file system under a
/// running daemon (a read-only ext4 must be unmounted, checked and mounted again), after which
/// the daemon resumes by itself.
final class StoreHandle: Sendable {
    let path: String
    /// The store this daemon opened at start: a reopen must find this one again.
    let identity: String
    private let current: Mutex<Opened?>
    /// Opens the same store again after a fault (it must be the one with `identity`) and takes
    /// its lock again.
    private let reopen: @Sendable () throws(StoreError) -> Opened

    /// An open store and the writer lock held while it is open (SQLite's; a PostgreSQL store
    /// has many writers, serialised by the server's lock per batch).
    struct Opened: Sendable {
        let store: any DedupStore
        let lock: StoreWriterLock?
    }

    init(opened: Opened, reopen: @escaping @Sendable () throws(StoreError) -> Opened) {
        path = opened.store.path
        identity = opened.store.identity
        current = Mutex(opened)
        self.reopen = reopen
    }

    /// Runs `body` on the open store. The ingest loop (`reopen: true`) opens it if it was let go;
    /// readers do not, so a query cannot pin a file system that is being repaired.
    func use<T>(reopen: Bool = true, _ body: (any DedupStore) throws(StoreError) -> T) throws(StoreError) -> T {
        let store = try current.withLock { (slot: inout Opened?) throws(StoreError) -> any DedupStore in
            if let opened = slot { return opened.store }
            guard reopen else {
                throw StoreError(message: "the store is closed after a fault; the ingest loop retries it", isFatal: false)
            }
            let opened = try self.reopen()
            slot = opened
            return opened.store
        }
        return try body(store)
    }

    /// Loads the near-duplicate index of the open store (at start, before the first batch).
    func warmIndex() async throws(StoreError) {
        let store = try use { store throws(StoreError) in store }
        try await store.warmIndex()
    }

    /// Lets go of the store after a fault (errors closing it are moot: it is failing already).
    func release() {
        try? close()
    }

    /// Checkpoints and closes the store on shutdown.
    func close() throws(StoreError) {
        let opened = current.withLock { slot in
            defer { slot = nil }
            return slot
        }
        try opened?.store.close()
    }
}
