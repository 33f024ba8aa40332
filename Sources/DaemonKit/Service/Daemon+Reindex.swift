public import ArticleStore
public import DedupCore
import Foundation
import Glibc
import PostgresStore

extension Daemon {
    public struct ReindexRefusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// `newsdedupd --reindex`: refingerprints the configured store with this build's algorithm.
    public static func reindex(settings: DaemonSettings, progress: @escaping (Int, Int) -> Void) throws -> ReindexReport {
        if PostgresLocation.isURI(settings.store) {
            throw ReindexRefusal(description: "--reindex works on a SQLite store; copy the PostgreSQL store into one "
                + "(--copy-store), reindex that, and copy it back")
        }
        return try offline(settings, doing: "reindexing") { try Store.reindex(path: settings.store, progress: progress) }
    }

    /// `newsdedupd --train-dictionaries`: a new dictionary for every script with enough stored
    /// text, from the newest articles.
    public static func trainDictionaries(settings: DaemonSettings) throws -> DictionaryTraining {
        try offline(settings, doing: "training dictionaries for") {
            let store: any DedupStore = PostgresLocation.isURI(settings.store)
                ? try PostgresStore(uri: settings.store, create: false) : try Store(path: settings.store)
            defer { try? store.close() }
            return try store.trainDictionaries(for: nil, at: Int64(Date().timeIntervalSince1970 * 1000),
                                               recompressingAt: BatchPreparer.dictionaryLevel)
        }
    }

    /// Runs `body` on an existing store with no daemon beside it: refused while a daemon answers
    /// on the configured socket (it would keep writing), and under the store's writer lock, so
    /// a daemon or `--once` starting meanwhile is refused. A PostgreSQL store has no file lock:
    /// what runs on it takes the server's lock per transaction, beside any daemons.
    private static func offline<T>(_ settings: DaemonSettings, doing what: String, _ body: () throws -> T) throws -> T {
        if PostgresLocation.isURI(settings.store) { return try body() }
        if SocketGuard.isAnswering(settings.socket) {
            throw ReindexRefusal(description: "a daemon is serving \(settings.socket): stop it before \(what) \(settings.store)")
        }
        guard access(settings.store, F_OK) == 0 else { throw StoreError(message: "no store at \(settings.store)", isFatal: true) }
        let lock = try StoreWriterLock(path: settings.store, create: false)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }
}
