public import ArticleStore
import DedupCore
import Foundation
import Glibc

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
        guard access(settings.store, F_OK) == 0 else { throw StoreError(message: "no store at \(settings.store)", isFatal: true) }
        let lock = try StoreWriterLock(path: settings.store, create: false)
        defer { withExtendedLifetime(lock) {} }
        return try Store.reindex(path: settings.store, progress: progress)
    }
}
