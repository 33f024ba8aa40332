public import ArticleStore
import Foundation
import Glibc
import InboxScanner
import PostgresStore

extension Daemon {
    /// A store as messages show it: a file's path, or a URI without its password.
    public static func displayed(store: String) -> String {
        PostgresLocation.isURI(store) ? (try? PostgresLocation(uri: store).display) ?? store : store
    }

    public struct CopyRefusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// `newsdedupd --copy-store FROM TO`: every item, verdict, feed seq, byte, dictionary and
    /// quarantine record of one store into a new one, SQLite or PostgreSQL either way, keeping
    /// the store's identity (a spool's marker names the copy as it named the original). A
    /// SQLite source is copied under its writer lock (no daemon may be writing it); a
    /// PostgreSQL source in one snapshot. A SQLite destination must not exist; a PostgreSQL
    /// one must hold no items. A failed copy leaves no destination behind.
    public static func copyStore(from: String, to: String, progress: (Int64) -> Void) throws -> StoreCopyReport {
        guard from != to else { throw CopyRefusal(description: "--copy-store needs two different stores") }
        let sourceLock: StoreWriterLock?
        let source: any CopyableStore
        if PostgresLocation.isURI(from) {
            sourceLock = nil
            source = try PostgresStore(uri: from, create: false)
        } else {
            guard access(from, F_OK) == 0 else { throw CopyRefusal(description: "no store at \(from)") }
            sourceLock = try StoreWriterLock(path: from, create: false)
            source = try Store(path: from)
        }
        defer {
            try? source.close()
            withExtendedLifetime(sourceLock) {}
        }
        if PostgresLocation.isURI(to) {
            let destination = try PostgresStore(uri: to)
            defer { try? destination.close() }
            return try StoreCopier.copy(from: source, to: destination, progress: progress)
        }
        guard access(to, F_OK) != 0 else {
            throw CopyRefusal(description: "\(to) exists: --copy-store writes a new SQLite store, never over one")
        }
        try Directory.makePath(URL(fileURLWithPath: to).deletingLastPathComponent().path)
        let lock = try StoreWriterLock(path: to, create: true)
        do {
            let destination = try Store(path: to)
            defer { try? destination.close() }
            return try withExtendedLifetime(lock) { try StoreCopier.copy(from: source, to: destination, progress: progress) }
        } catch {
            for suffix in ["", "-wal", "-shm"] { unlink(to + suffix) }
            throw error
        }
    }
}
