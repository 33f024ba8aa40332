public import DedupCore
import Foundation
import GRDB

/// Preset dictionaries in the store: trained from its own newest articles, one script at a time,
/// kept forever in the `dictionary` table (a body names the one it was compressed with), the
/// newest of each script used for new bodies.
extension Store {
    /// A dictionary is trained once a script has this much stored text without one: enough to
    /// fill zlib's 32 KiB window with whole articles, which is all the trainer takes.
    public static let dictionaryTrainingBytes = PresetDictionary.maximumSize

    /// How many of the newest articles a training pass reads, at most, looking for samples.
    static let trainingScanLimit = 4_000

    /// Reads every dictionary into memory (they are few and never change).
    static func loadDictionaries(_ db: Database) throws -> [Int64: PresetDictionary] {
        var all: [Int64: PresetDictionary] = [:]
        // Stored zlib-compressed (schema 7).
        for row in try Row.fetchAll(db, sql: "SELECT id, script, bytes, raw_size FROM dictionary") {
            let id: Int64 = row[0]
            let bytes = try ZlibCodec.decompress(Array(row[2] as Data), rawSize: row[3])
            all[id] = PresetDictionary(id: id, script: WritingScript(rawValue: row[1]) ?? .other, bytes: bytes)
        }
        return all
    }

    /// The newest dictionary of each script: what new bodies are compressed with.
    public func currentDictionaries() -> [WritingScript: PresetDictionary] {
        presetDictionaries.withLock { PresetDictionary.newestPerScript($0.values) }
    }

    /// An item's bytes as received: its body inflated alone, with its dictionary, or against its
    /// base's bytes; its base's bytes when it has no body; nil when they were never kept (a
    /// duplicate received before schema 7). A base is an item with a body of its own, so this
    /// reads two bodies at most; `depth` stops a damaged store's cycle.
    func bytes(of id: Int64, _ db: Database, depth: Int = 0) throws -> [UInt8]? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT item.raw_size, item.base_id, body.dictionary_id, body.bytes FROM item LEFT JOIN body ON body.item_id = item.id
            WHERE item.id = ?
            """), arguments: [id]) else { return nil }
        return try KeptBytes(id: id, rawSize: row[0], base: row[1], dictionaryID: row[2], body: row[3])
            .resolve(depth: depth, bytes: { try self.bytes(of: $0, db, depth: $1) }, dictionary: { try presetDictionary($0, db) })
    }

    /// A stored article's body alone (no base), with its dictionary if it names one.
    func inflate(_ body: Data, rawSize: Int64, dictionaryID: Int64?, _ db: Database) throws -> [UInt8] {
        try KeptBytes(id: 0, rawSize: rawSize, base: nil, dictionaryID: dictionaryID, body: body)
            .resolve(depth: 0, bytes: { _, _ in nil }, dictionary: { try presetDictionary($0, db) }) ?? []
    }

    /// A dictionary by id. One this process has not loaded (trained by `--train-dictionaries`
    /// meanwhile) is read from the table.
    func presetDictionary(_ id: Int64, _ db: Database) throws -> PresetDictionary {
        if let known = presetDictionaries.withLock({ $0[id] }) { return known }
        let loaded = try Self.loadDictionaries(db)
        presetDictionaries.withLock { $0 = loaded }
        guard let dictionary = loaded[id] else {
            throw StoreError(message: "a body names dictionary \(id), which the store does not hold", kind: .corrupt)
        }
        return dictionary
    }

    /// Trains a dictionary for each script in `scripts` (every script when nil, retraining those
    /// that have one) from the newest stored articles: whole articles, newest last, up to 32 KiB
    /// each (`PresetDictionaryTrainer`). A script with less than `dictionaryTrainingBytes` of
    /// stored text among the newest `trainingScanLimit` articles gets none yet. Bodies already
    /// stored keep their dictionaries, except that those among the articles read which were
    /// stored with none (the articles before a script's first dictionary, the batch that
    /// trained it) are compressed again with the new one at `level`, when that is smaller.
    public func trainDictionaries(for scripts: Set<WritingScript>?, at now: Int64,
                                  recompressingAt level: Int32) throws(StoreError) -> DictionaryTraining {
        do {
            return try pool.write { db -> DictionaryTraining in
                var samples = TrainingSamples()
                var plain: [(id: Int64, script: WritingScript, bytes: [UInt8], stored: Int)] = []
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT body.bytes, item.raw_size, body.dictionary_id, item.id FROM item JOIN body ON body.item_id = item.id
                    WHERE item.original_id IS NULL ORDER BY item.id DESC LIMIT ?
                    """, arguments: [Self.trainingScanLimit])
                while let row = try rows.next() {
                    let body: Data = row[0]
                    let article = try inflate(body, rawSize: row[1], dictionaryID: row[2], db)
                    guard let text = try? TextDecoder.decode(article).text else { continue }
                    let script = WritingScript.dominant(in: text)
                    guard scripts?.contains(script) ?? true else { continue }
                    if (row[2] as Int64?) == nil { plain.append((row[3], script, article, body.count)) }
                    samples.offer(article, script: script)
                }
                var result = DictionaryTraining()
                for (script, count, dictionary) in samples.train(minimum: Self.dictionaryTrainingBytes) {
                    try db.execute(sql: "INSERT INTO dictionary(script, trained_at, samples, bytes, raw_size) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [script.rawValue, now, count, Data(ZlibCodec.compress(dictionary, level: 9)),
                                               dictionary.count])
                    result.dictionaries.append(PresetDictionary(id: db.lastInsertedRowID, script: script, bytes: dictionary))
                }
                let deflaters = try Dictionary(uniqueKeysWithValues: result.dictionaries.map {
                    ($0.script, try PrimedDeflater($0, level: level))
                })
                for article in plain {
                    guard let deflater = deflaters[article.script] else { continue }
                    let smaller = try deflater.compress(article.bytes)
                    guard smaller.count < article.stored else { continue }
                    try db.execute(sql: "UPDATE body SET bytes = ?, dictionary_id = ? WHERE item_id = ?",
                                   arguments: [Data(smaller), deflater.dictionaryID, article.id])
                    result.recompressed += 1
                    result.bytesSaved += Int64(article.stored - smaller.count)
                }
                if result.bytesSaved > 0 { try Self.bump(.storedBytes, by: -result.bytesSaved, db) }
                let added = result.dictionaries
                presetDictionaries.withLock { all in for dictionary in added { all[dictionary.id] = dictionary } }
                return result
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}

/// What a training pass did.
public struct DictionaryTraining: Sendable {
    public var dictionaries: [PresetDictionary] = []
    /// Bodies stored without a dictionary, compressed again with a new one, and what it saved.
    public var recompressed = 0
    public var bytesSaved: Int64 = 0

    public init() {}
}
