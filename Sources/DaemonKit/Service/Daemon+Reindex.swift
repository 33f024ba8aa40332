public import ArticleStore
public import DedupCore
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

    /// `newsdedupd --train-dictionaries`: a new dictionary for every script with enough stored
    /// text, from the newest articles. Refused while a daemon serves the configured socket.
    public static func trainDictionaries(settings: DaemonSettings) throws -> [PresetDictionary] {
        if SocketGuard.isAnswering(settings.socket) {
            throw ReindexRefusal(description: "a daemon is serving \(settings.socket): stop it before training dictionaries for \(settings.store)")
        }
        guard access(settings.store, F_OK) == 0 else { throw StoreError(message: "no store at \(settings.store)", isFatal: true) }
        let lock = try StoreWriterLock(path: settings.store, create: false)
        defer { withExtendedLifetime(lock) {} }
        let store = try Store(path: settings.store)
        defer { try? store.close() }
        return try store.trainDictionaries(for: nil, at: Int64(Date().timeIntervalSince1970 * 1000))
    }

}
