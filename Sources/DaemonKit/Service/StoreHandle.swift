import ArticleStore
import Synchronization

/// The store as the daemon holds it (any `DedupStore`; today the SQLite `Store`): opened on first use, closed after a write fault and
/// opened again on the next retry. Holding no file open while degraded is what lets an operator
/// repair the file system under a running daemon (a read-only ext4 must be unmounted, checked
/// and mounted again), after which the daemon resumes by itself.
final class StoreHandle: Sendable {
    let path: String
    /// The store this daemon opened at start: a reopen must find this one again.
    let identity: String
    private let current: Mutex<(any DedupStore)?>
    /// Opens the same store again after a fault (it must be the one with `identity`).
    private let reopen: @Sendable () throws(StoreError) -> any DedupStore
    /// Held as long as the handle, across the closes and reopens of a fault.
    private let locks: [StoreWriterLock]

    init(opened store: any DedupStore, locks: [StoreWriterLock], reopen: @escaping @Sendable () throws(StoreError) -> any DedupStore) {
        path = store.path
        identity = store.identity
        current = Mutex(store)
        self.reopen = reopen
        self.locks = locks
    }

    /// Runs `body` on the open store. The ingest loop (`reopen: true`) opens it if it was let go;
    /// readers do not, so a query cannot pin a file system that is being repaired.
    func use<T>(reopen: Bool = true, _ body: (any DedupStore) throws(StoreError) -> T) throws(StoreError) -> T {
        let store = try current.withLock { (slot: inout (any DedupStore)?) throws(StoreError) -> any DedupStore in
            if let store = slot { return store }
            guard reopen else {
                throw StoreError(message: "the store is closed after a fault; the ingest loop retries it", isFatal: false)
            }
            let opened = try self.reopen()
            slot = opened
            return opened
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
        let store = current.withLock { slot in
            defer { slot = nil }
            return slot
        }
        try? store?.close()
    }

    /// Checkpoints and closes the store on shutdown.
    func close() throws(StoreError) {
        let store = current.withLock { slot in
            defer { slot = nil }
            return slot
        }
        try store?.close()
    }
}
