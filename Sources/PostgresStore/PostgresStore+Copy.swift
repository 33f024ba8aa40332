public import ArticleStore
import Foundation
import PostgresNIO

/// `--copy-store` on the PostgreSQL side: read in one REPEATABLE READ snapshot (daemons may
/// go on ingesting), written in one transaction under the global lock.
extension PostgresStore: CopyableStore {
    public func readCopy(pageSize: Int, _ visit: (StoreCopyPart) throws -> Void) throws(StoreError) {
        try reader.transaction { connection in
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            var counters: [String: Int64] = [:]
            for row in try connection.rows("SELECT name, value FROM counter") {
                let (name, value) = try row.decode((String, Int64).self)
                counters[name] = value
            }
            let dictionaries = try connection.rows("SELECT id, script, trained_at, samples, bytes, raw_size FROM dictionary ORDER BY id").map { row in
                let (id, script, trainedAt, samples, bytes, rawSize) = try row.decode((Int64, String, Int64, Int64, Data, Int64).self)
                return CopiedDictionary(id: id, script: script, trainedAt: trainedAt, samples: samples, bytes: Array(bytes), rawSize: rawSize)
            }
            let quarantine = try connection.rows("SELECT id, name, reason, at FROM quarantine ORDER BY id").map { row in
                let (id, name, reason, at) = try row.decode((Int64, String, String, Int64).self)
                return CopiedQuarantine(id: id, name: name, reason: reason, at: at)
            }
            let claims = try connection.rows("SELECT key, item_id FROM claim").map { row in
                let (key, item) = try row.decode((Data, Int64).self)
                return CopiedClaim(key: Array(key), itemId: item)
            }
            let identity = try connection.value("SELECT value FROM meta WHERE key = 'store_id'", as: String.self) ?? self.identity
            try visit(.header(StoreCopyHeader(identity: identity, counters: counters, dictionaries: dictionaries, quarantine: quarantine,
                                              claims: claims)))
            var after: Int64 = 0
            while true {
                let page = try connection.rows("""
                    SELECT \(unescaped: CopiedItem.selectColumns) WHERE i.id > \(after) ORDER BY i.id LIMIT \(pageSize)
                    """).map(Self.copiedItem)
                guard let last = page.last else { break }
                try visit(.items(page))
                after = last.id
            }
        }
    }

    private static func copiedItem(_ row: PostgresRow) throws -> CopiedItem {
        let cells = row.makeRandomAccess()
        return CopiedItem(
            id: try cells[0].decode(Int64.self), seq: try cells[1].decode(Int64?.self), originalId: try cells[2].decode(Int64?.self),
            kind: try cells[3].decode(String?.self), distance: try cells[4].decode(Int64?.self),
            containment: try cells[5].decode(Double?.self), matchedOn: try cells[6].decode(String?.self),
            sha256: Array(try cells[7].decode(Data.self)), simhash: try cells[8].decode(Int64.self),
            leadSimhash: try cells[9].decode(Int64?.self), indexed: try cells[10].decode(Bool.self),
            source: try cells[11].decode(String.self), receivedAt: try cells[12].decode(Int64.self),
            encoding: try cells[13].decode(String?.self), rawSize: try cells[14].decode(Int64.self),
            baseId: try cells[15].decode(Int64?.self), bodyDictionaryId: try cells[16].decode(Int64?.self),
            body: try cells[17].decode(Data?.self).map(Array.init), anchors: try cells[18].decode(Data?.self).map(Array.init))
    }

    public func writeCopy(_ fill: (_ write: (StoreCopyPart) throws -> Void) throws -> Void) throws(StoreError) {
        try writer.transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.lockKey))")
            guard try connection.value("SELECT count(*) FROM item", as: Int64.self) == 0,
                  try connection.value("SELECT count(*) FROM dictionary", as: Int64.self) == 0 else {
                throw StoreError(message: "\(path) already holds items: a store is copied only into an empty one", kind: .exists)
            }
            var claims: [CopiedClaim] = []
            try fill { part in
                switch part {
                case .header(let header):
                    try Self.writeHeader(header, connection)
                    claims = header.claims
                case .items(let items):
                    for item in items { try Self.write(item, connection) }
                }
            }
            for claim in claims {
                try connection.execute("INSERT INTO claim(key, item_id) VALUES (\(Data(claim.key)), \(claim.itemId))")
            }
        }
    }

    private static func writeHeader(_ header: StoreCopyHeader, _ connection: PostgresSession.Connection) throws {
        try connection.execute("UPDATE meta SET value = \(header.identity) WHERE key = 'store_id'")
        for (name, value) in header.counters.sorted(by: { $0.key < $1.key }) {
            try connection.execute("""
                INSERT INTO counter(name, value) VALUES (\(name), \(value)) ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """)
        }
        for dictionary in header.dictionaries {
            try connection.execute("""
                INSERT INTO dictionary(id, script, trained_at, samples, bytes, raw_size)
                VALUES (\(dictionary.id), \(dictionary.script), \(dictionary.trainedAt), \(Int32(dictionary.samples)),
                        \(Data(dictionary.bytes)), \(Int32(dictionary.rawSize)))
                """)
        }
        for record in header.quarantine {
            try connection.execute("""
                INSERT INTO quarantine(id, name, reason, at) VALUES (\(record.id), \(record.name), \(record.reason), \(record.at))
                """)
        }
        // The serial columns go on after the copied ids.
        try connection.execute("SELECT setval(pg_get_serial_sequence('dictionary', 'id'), GREATEST(1, (SELECT max(id) FROM dictionary)))")
        try connection.execute("SELECT setval(pg_get_serial_sequence('quarantine', 'id'), GREATEST(1, (SELECT max(id) FROM quarantine)))")
    }

    private static func write(_ item: CopiedItem, _ connection: PostgresSession.Connection) throws {
        try connection.execute("""
            INSERT INTO item(id, seq, original_id, kind, distance, containment, matched_on, sha256, simhash, lead_simhash, indexed,
                             source, received_at, encoding, raw_size, base_id)
            VALUES (\(item.id), \(item.seq), \(item.originalId), \(item.kind), \(item.distance.map(Int32.init)), \(item.containment),
                    \(item.matchedOn), \(Data(item.sha256)), \(item.simhash), \(item.leadSimhash), \(item.indexed), \(item.source),
                    \(item.receivedAt), \(item.encoding), \(item.rawSize), \(item.baseId))
            """)
        if let body = item.body {
            try connection.execute("INSERT INTO body(item_id, dictionary_id, bytes) VALUES (\(item.id), \(item.bodyDictionaryId), \(Data(body)))")
        }
        if let anchors = item.anchors {
            try connection.execute("INSERT INTO anchor(item_id, keys) VALUES (\(item.id), \(Data(anchors)))")
        }
    }
}
