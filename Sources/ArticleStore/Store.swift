import DedupCore
import Foundation
import Glibc
import GRDB
import Synchronization
import SystemSupport

/// Why the store failed. `isFatal` separates an invariant broken (wrong schema, another
/// fingerprint algorithm) from a fault that may pass (disk full, I/O error, read-only file).
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// May pass: disk full, I/O error, read-only file system, busy or locked, cannot open.
        case transient
        /// An invariant broken: wrong schema, another fingerprint algorithm, a constraint.
        case fatal
        /// The file is damaged (SQLite says corrupt, or not a database): writing on would
        /// write into the damage. Not retried; restore a backup, or `.recover` it with sqlite3.
        case corrupt
        /// The file the daemon writes is no longer the one at the store's path (deleted or
        /// replaced under it): writing on would commit into a file nobody will open again.
        case lost
        /// A backup's path is taken.
        case exists
        /// A backup's path cannot be created (no such directory, no permission).
        case destination
    }

    public let message: String
    public let kind: Kind
    public var isFatal: Bool { kind == .fatal }

    public var description: String { message }

    public init(message: String, isFatal: Bool) {
        self.init(message: message, kind: isFatal ? .fatal : .transient)
    }

    public init(message: String, kind: Kind) {
        self.message = message
        self.kind = kind
    }

    static func wrap(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            return StoreError(message: "SQLite: \(error.message ?? "\(error.resultCode)") (\(error.resultCode))",
                              kind: kind(of: error.resultCode))
        }
        return StoreError(message: "\(error)", isFatal: false)
    }

    /// What a SQLite result code means for the daemon: wait and retry (the disk, the file
    /// system, another connection), stop for good (the file is damaged), or a bug or a wrong
    /// schema (retried, but logged as critical).
    static func kind(of code: ResultCode) -> Kind {
        switch code.primaryResultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: .corrupt
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_PROTOCOL,
             .SQLITE_NOMEM, .SQLITE_INTERRUPT, .SQLITE_ABORT, .SQLITE_PERM, .SQLITE_AUTH, .SQLITE_NOLFS:
            .transient
        default: .fatal
        }
    }
}

/// The SQLite store: one file, WAL mode, `synchronous=FULL` so that a committed article survives
/// power loss. One writer (the ingest loop); readers (the control server) never block it.
public final class Store: Sendable {
    let pool: DatabasePool
    public let path: String
    /// A random id written when the store is created: tells this store from another file that
    /// appears at the same path (a file system mounted or not, a restored backup).
    public let identity: String
    /// The near-duplicate index in memory (see `NearDuplicateIndex`), loaded by the writer at
    /// its first ingest and kept in step with each commit; nil until then, and again after a
    /// change it does not follow (retention). Readers use it when it is there, SQL otherwise.
    let memoryIndex = Mutex<NearDuplicateIndex?>(nil)
    /// The word cache for re-analysing stored texts when a candidate is confirmed (the writer's
    /// alone, inside its transaction): the pipeline's lanes keep their own.
    let confirmationCache = Mutex<NormalizationCache?>(NormalizationCache(capacity: 50_000))
    /// Every preset dictionary of the store, by id (see Store+Dictionaries).
    let presetDictionaries = Mutex<[Int64: PresetDictionary]>([:])
    /// Device and inode of the store's file and of its WAL when opened: what `verifyFiles`
    /// compares the path against.
    let files: (store: FileIdentity, wal: FileIdentity?)

    /// The page size of a new store file.
    static let pageSize = 8192

    /// Fingerprint parameters the store was written with; a mismatch is refused at open.
    public static let metaParameters: [String: String] = [
        "fingerprint_algorithm": "\(Fingerprinter.algorithmVersion)",
        "shingle_size": "\(Shingler.defaultSize)",
        "lead_tokens": "\(Fingerprinter.defaultLeadTokens)",
        "anchors": "\(Anchors.count) of \(Anchors.shingleSize)-grams",
    ]

    /// Opens the store at `path`, creating it if there is none, unless `expecting` names the
    /// identity it must have: then the file must exist and be that store. Reopening after a
    /// fault passes it, so a file system that is not mounted yet cannot make the daemon start
    /// a fresh, empty store beside the real one.
    public convenience init(path: String, expecting expected: String? = nil) throws(StoreError) {
        try self.init(path: path, expecting: expected, checkingParameters: true)
    }

    /// `checkingParameters: false` is for `reindex` only, which rewrites what the check guards.
    init(path: String, expecting expected: String?, checkingParameters: Bool) throws(StoreError) {
        self.path = path
        if let expected { try Self.confirmIdentity(path: path, expected: expected) }
        var config = Configuration()
        config.label = "newsdedup.store"
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // A new store's pages (an existing one keeps its own): bodies of 0.3-3 KB left 15 %
            // of 4 KB pages empty, 7 % of 8 KB ones (`newsdedup-bench store`).
            try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Migrations.migrator.migrate(pool)
            identity = try pool.write { db in
                if checkingParameters { try Self.checkOrRecordParameters(db) }
                return try Self.identity(db)
            }
            let dictionaries = try pool.read { db in try Self.loadDictionaries(db) }
            presetDictionaries.withLock { $0 = dictionaries }
        } catch {
            throw StoreError.wrap(error)
        }
        guard let opened = FileIdentity(path: path) else {
            throw StoreError(message: "store \(path) vanished while being opened", kind: .lost)
        }
        files = (opened, FileIdentity(path: path + "-wal"))
    }

    /// Checks that the files this store writes are still the ones at its path. A store file
    /// deleted or replaced under the daemon (an operator's `rm`, a restore copied over it)
    /// would otherwise take every later commit into a file nobody opens again, while `status`
    /// and `check` look fine: that is `.lost`, and the caller keeps this store open (it holds
    /// the only copy; `newsdedupctl backup` saves it) and commits nothing more. A WAL removed
    /// under it holds the commits since the last checkpoint: they are written into the store
    /// file now, and the error (transient) makes the caller reopen the store with a new WAL.
    public func verifyFiles() throws(StoreError) {
        guard let now = FileIdentity(path: path) else {
            throw StoreError(
                message: "the store file \(path) was deleted while the daemon had it open; nothing more is committed. "
                    + "The daemon still holds it: `newsdedupctl backup \(path)` puts it back, then restart the daemon", kind: .lost)
        }
        guard now == files.store else {
            throw StoreError(
                message: "the store file \(path) was replaced by another file while the daemon had it open; nothing more is "
                    + "committed. The daemon still holds its store: `newsdedupctl backup NEWPATH` saves it", kind: .lost)
        }
        if let wal = files.wal, FileIdentity(path: path + "-wal") != wal {
            do {
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            } catch {
                throw StoreError(message: "the store's WAL \(path)-wal was removed under the daemon, and writing its "
                    + "commits into the store failed: \(StoreError.wrap(error)); nothing more is committed", kind: .lost)
            }
            throw StoreError(message: "the store's WAL \(path)-wal was removed under the daemon; its commits were "
                + "written into the store, which is opened again", kind: .transient)
        }
    }

    /// Checks through a read-only connection, before anything could write to the file, that
    /// `path` holds the store with this identity.
    private static func confirmIdentity(path: String, expected: String) throws(StoreError) {
        guard access(path, F_OK) == 0 else {
            throw StoreError(message: "store \(path) is not there: is its file system mounted?", isFatal: false)
        }
        var config = Configuration()
        config.readonly = true
        let found: String?
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            found = try? queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'store_id'") }
            try queue.close()
        } catch {
            throw StoreError.wrap(error)
        }
        guard found == expected else {
            throw StoreError(
                message: "\(path) is not the store this daemon opened (found \(found ?? "no identity"), expected \(expected)); "
                    + "it was replaced or lost data: restore it, or restart the daemon to accept it",
                isFatal: false)
        }
    }

    private static func identity(_ db: Database) throws -> String {
        if let found = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'store_id'") { return found }
        let made = UUID().uuidString.lowercased()
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('store_id', ?)", arguments: [made])
        return made
    }

    private static func checkOrRecordParameters(_ db: Database) throws {
        for (key, expected) in metaParameters {
            if let found = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) {
                guard found == expected else {
                    throw StoreError(
                        message: "store was written with \(key)=\(found), this build uses \(expected); "
                            + "stop the daemon and run `newsdedupd reindex` to refingerprint the stored articles",
                        isFatal: true)
                }
            } else {
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?)", arguments: [key, expected])
            }
        }
    }

    /// `PRAGMA integrity_check`: "ok" or the problems SQLite found.
    public func integrityCheck() throws(StoreError) -> [String] {
        do {
            return try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Proves the store can commit again after a fault: a real write of an unchanged row,
    /// synced like every commit, so a full disk or a read-only file system shows here.
    public func probeWrite() throws(StoreError) {
        do {
            try pool.write { db in try db.execute(sql: "UPDATE counter SET value = value WHERE name = 'articles'") }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Flushes the WAL into the main file and closes every connection.
    public func close() throws(StoreError) {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try pool.close()
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
