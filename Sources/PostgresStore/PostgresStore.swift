public import ArticleStore
public import DedupCore
import Foundation
public import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The store of several daemons: one PostgreSQL database holds every item, the one feed and
/// the verdicts; each daemon keeps its near-duplicate index in memory as a replica.
///
/// A batch is one transaction under one global advisory lock (`PostgresSchema.lockKey`): take
/// the lock; read what other daemons committed since this one last looked (their articles go
/// into the replica); decide each item's verdict against everything committed; insert; hand out
/// ids and feed seqs from the counters; commit, which frees the lock. So verdicts are made one
/// batch at a time in commit order, the first daemon to take the lock wins a race between
/// copies, and the feed is gapless in commit order (a sequence alone is not: a consumer
/// following it could pass a seq that commits late). The server frees the lock of a daemon
/// whose connection ends.
public final class PostgresStore: DedupStore {
    public let path: String
    public let identity: String
    let location: PostgresLocation
    let group: MultiThreadedEventLoopGroup
    let writer: PostgresSession
    let reader: PostgresSession
    /// The replica: every article in the window, as of `seenSeq`.
    let replica = Mutex<(index: NearDuplicateIndex, seenSeq: Int64)?>(nil)
    let dictionaries = Mutex<[Int64: PresetDictionary]>([:])
    let confirmationCache = Mutex<NormalizationCache?>(NormalizationCache(capacity: 50_000))
    /// Seconds each batch held the global lock, until the daemon takes them for its metrics.
    let lockHolds = Mutex<[Double]>([])

    public func takeLockHolds() -> [Double] {
        lockHolds.withLock { holds in defer { holds = [] }; return holds }
    }

    /// Connects to the database `uri` names and creates the tables if it has none (unless not
    /// `create`); with `expecting`, the store there must be the one with that identity.
    public init(uri: String, create: Bool = true, expecting: String? = nil,
                logger: Logger = Logger(label: "newsdedup.postgres")) throws(StoreError) {
        do {
            location = try PostgresLocation(uri: uri)
        } catch {
            throw StoreError(message: error.description, kind: .fatal)
        }
        path = location.display
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        writer = PostgresSession(location, group: group, logger: logger)
        reader = PostgresSession(location, group: group, logger: logger)
        let display = path
        do {
            identity = try writer.transaction { connection in
                try PostgresSchema.prepare(connection, parameters: Store.metaParameters, create: create, expecting: expecting,
                                           display: display)
            }
            try loadDictionaries()
        } catch {
            writer.close()
            reader.close()
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// Ends both connections; a call still under way elsewhere (a follower's page) gets an
    /// error. The event loop goes when the last reference does.
    public func close() throws(StoreError) {
        writer.close()
        reader.close()
    }

    deinit {
        group.shutdownGracefully { _ in }
    }

    public func bytesOnDisk() throws(StoreError) -> Int64 {
        try reader.use { connection in try connection.value("SELECT pg_database_size(current_database())", as: Int64.self) ?? 0 }
    }

    /// A server has no files to lose under the daemon; reachability shows in every statement.
    public func verifyFiles() throws(StoreError) {}

    public func probeWrite() throws(StoreError) {
        try writer.use { connection in try connection.execute("UPDATE counter SET value = value WHERE name = 'articles'") }
    }

    /// `pg_dump` (or a replica, or pg_basebackup) is how a PostgreSQL database is backed up.
    public func backup(to path: String) throws(StoreError) -> Int64 {
        throw StoreError(message: "the store is PostgreSQL (\(location.display)): back it up with pg_dump or pg_basebackup",
                         kind: .destination)
    }

    public func recordQuarantine(name: String, reason: String, at: Int64) throws(StoreError) {
        try writer.transaction { connection in
            try connection.execute("INSERT INTO quarantine(name, reason, at) VALUES (\(name), \(reason), \(at))")
            try connection.execute("UPDATE counter SET value = value + 1 WHERE name = 'quarantined'")
        }
    }

    // MARK: The replica

    /// Loads every article in the window and where the feed stood, in one snapshot.
    public func warmIndex() async throws(StoreError) {
        try loadReplicaIfNeeded()
    }

    func loadReplicaIfNeeded() throws(StoreError) {
        guard replica.withLock({ $0 == nil }) else { return }
        let loaded = try reader.transaction { connection -> (NearDuplicateIndex, Int64) in
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            let seen = try connection.value("SELECT value FROM counter WHERE name = 'last_seq'", as: Int64.self) ?? 0
            var index = NearDuplicateIndex()
            for row in try connection.rows("""
                SELECT i.id, i.simhash, a.keys FROM item i LEFT JOIN anchor a ON a.item_id = i.id
                WHERE i.indexed ORDER BY i.id
                """) {
                let (id, simhash, keys) = try row.decode((Int64, Int64, Data?).self)
                index.load(id: id, simhash: UInt64(bitPattern: simhash), anchors: Self.anchors(keys))
            }
            index.rebuild()
            return (index, seen)
        }
        replica.withLock { if $0 == nil { $0 = (loaded.0, loaded.1) } }
    }

    /// Under the lock: other daemons' articles committed since `seenSeq` join the replica.
    func catchUp(_ connection: PostgresSession.Connection) throws {
        guard let seen = replica.withLock({ $0?.seenSeq }) else { return }
        let rows = try connection.rows("""
            SELECT i.id, i.simhash, a.keys, i.seq FROM item i LEFT JOIN anchor a ON a.item_id = i.id
            WHERE i.seq > \(seen) AND i.indexed ORDER BY i.id
            """)
        let last = try connection.value("SELECT value FROM counter WHERE name = 'last_seq'", as: Int64.self) ?? seen
        let articles = try rows.map { row in try row.decode((Int64, Int64, Data?, Int64).self) }
        replica.withLock { replica in
            guard replica != nil else { return }
            for (id, simhash, keys, _) in articles {
                if let newest = replica?.index.lastId, id <= newest { replica = nil; return }  // out of order: reload
                replica?.index.insert(id: id, simhash: UInt64(bitPattern: simhash), anchors: Self.anchors(keys))
            }
            replica?.seenSeq = last
        }
    }

    static func anchors(_ keys: Data?) -> [UInt32] {
        guard let keys else { return [] }
        return stride(from: 0, to: keys.count - 3, by: 4).map { offset in
            keys.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        }
    }

    // MARK: Dictionaries

    func loadDictionaries() throws(StoreError) {
        try reader.use { connection in try loadDictionaries(connection) }
    }

    /// Loads every dictionary through a connection in use: a body another daemon compressed
    /// with a dictionary it trained is met in the middle of a read or a batch.
    func loadDictionaries(_ connection: PostgresSession.Connection) throws {
        var all: [Int64: PresetDictionary] = [:]
        for row in try connection.rows("SELECT id, script, bytes, raw_size FROM dictionary") {
            let (id, script, bytes, rawSize) = try row.decode((Int64, String, Data, Int32).self)
            all[id] = PresetDictionary(id: id, script: WritingScript(rawValue: script) ?? .other,
                                       bytes: try ZlibCodec.decompress(Array(bytes), rawSize: Int(rawSize)))
        }
        dictionaries.withLock { $0 = all }
    }

    public func currentDictionaries() -> [WritingScript: PresetDictionary] {
        dictionaries.withLock { PresetDictionary.newestPerScript($0.values) }
    }

    /// A dictionary per script from the newest articles, as the SQLite store trains them; bodies
    /// already stored keep theirs.
    public func trainDictionaries(for scripts: Set<WritingScript>?, at now: Int64, recompressingAt level: Int32) throws(StoreError)
        -> DictionaryTraining {
        let result = try writer.transaction { connection -> DictionaryTraining in
            // Several daemons find a script's first dictionary due at once: one trains it (under
            // a lock of its own, so ingest goes on), the others find it made and take it.
            try connection.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.trainingLockKey))")
            try loadDictionaries(connection)
            var scripts = scripts
            if let wanted = scripts {
                let held = Set(dictionaries.withLock { $0.values.map(\.script) })
                scripts = wanted.subtracting(held)
                if scripts?.isEmpty == true { return DictionaryTraining() }
            }
            var samples = TrainingSamples()
            for row in try connection.rows("""
                SELECT i.id FROM item i WHERE i.original_id IS NULL ORDER BY i.id DESC LIMIT 4000
                """) {
                guard let article = try self.bytes(of: try row.decode(Int64.self), connection),
                      let text = try? TextDecoder.decode(article).text else { continue }
                let script = WritingScript.dominant(in: text)
                guard scripts?.contains(script) ?? true else { continue }
                samples.offer(article, script: script)
            }
            var result = DictionaryTraining()
            for (script, count, dictionary) in samples.train(minimum: Store.dictionaryTrainingBytes) {
                let packed = Data(try ZlibCodec.compress(dictionary, level: 9))
                let id = try connection.value("""
                    INSERT INTO dictionary(script, trained_at, samples, bytes, raw_size)
                    VALUES (\(script.rawValue), \(now), \(count), \(packed), \(dictionary.count)) RETURNING id
                    """, as: Int64.self) ?? 0
                result.dictionaries.append(PresetDictionary(id: id, script: script, bytes: dictionary))
            }
            return result
        }
        let added = result.dictionaries
        dictionaries.withLock { all in for dictionary in added { all[dictionary.id] = dictionary } }
        return result
    }
}
