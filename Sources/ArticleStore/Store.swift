import DedupCore
import Foundation
import GRDB

/// Why the store failed. `isFatal` separates an invariant broken (wrong schema, another
/// fingerprint algorithm) from a fault that may pass (disk full, I/O error, read-only file).
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let isFatal: Bool

    public var description: String { message }

    static func wrap(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            return StoreError(message: "SQLite: \(error.message ?? "\(error.resultCode)") (\(error.resultCode))", isFatal: false)
        }
        return StoreError(message: "\(error)", isFatal: false)
    }
}

/// The SQLite store: one file, WAL mode, `synchronous=FULL` so that a committed article survives
/// power loss. One writer (the ingest loop); readers (the control server) never block it.
public final class Store: Sendable {
    let pool: DatabasePool
    public let path: String

    /// Fingerprint parameters the store was written with; a mismatch is refused at open.
    static let metaParameters: [String: String] = [
        "fingerprint_algorithm": "\(Fingerprinter.algorithmVersion)",
        "shingle_size": "\(Shingler.defaultSize)",
    ]

    public init(path: String) throws(StoreError) {
        self.path = path
        var config = Configuration()
        config.label = "newsdedup.store"
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Migrations.migrator.migrate(pool)
            try pool.write { db in try Self.checkOrRecordParameters(db) }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    private static func checkOrRecordParameters(_ db: Database) throws {
        for (key, expected) in metaParameters {
            if let found = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) {
                guard found == expected else {
                    throw StoreError(
                        message: "store was written with \(key)=\(found), this build uses \(expected); "
                            + "refingerprinting is needed before it can be mixed",
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
