public import ArticleStore
import DedupCore
import Foundation

extension Daemon {
    public struct ReindexRefusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// `newsdedupd --reindex`: refingerprints the configured store with this build's algorithm.
    /// Refused while a daemon answers on the configured socket: it would keep writing beside.
    public static func reindex(settings: DaemonSettings, progress: @escaping (Int, Int) -> Void) throws -> ReindexReport {
        if SocketGuard.isAnswering(settings.socket) {
            throw ReindexRefusal(description: "a daemon is serving \(settings.socket): stop it before reindexing \(settings.store)")
        }
        // Held while reindexing: a daemon or `--once` starting meanwhile is refused.
        let lock = try StoreWriterLock(path: settings.store)
        defer { withExtendedLifetime(lock) {} }
        return try Store.reindex(path: settings.store, progress: progress)
    }
}
