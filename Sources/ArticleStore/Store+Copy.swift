import Foundation
import GRDB

/// `--copy-store` on the SQLite side: read in one snapshot, written in one transaction.
extension Store: CopyableStore {
    public func readCopy(pageSize: Int, _ visit: (StoreCopyPart) throws -> Void) throws(StoreError) {
        do {
            try pool.read { db in
                var counters = Dictionary(
                    try Row.fetchAll(db, sql: "SELECT name, value FROM counter").map { ($0["name"] as String, $0["value"] as Int64) },
                    uniquingKeysWith: { first, _ in first })
                // AUTOINCREMENT remembers the highest id ever given, deleted ones included.
                counters["last_id"] = try Int64.fetchOne(db, sql: """
                    SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'item'), 0), COALESCE((SELECT MAX(id) FROM item), 0))
                    """) ?? 0
                let header = StoreCopyHeader(
                    identity: try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'store_id'") ?? identity,
                    counters: counters,
                    dictionaries: try Row.fetchAll(db, sql: "SELECT id, script, trained_at, samples, bytes, raw_size FROM dictionary ORDER BY id").map {
                        CopiedDictionary(id: $0[0], script: $0[1], trainedAt: $0[2], samples: $0[3], bytes: Array($0[4] as Data), rawSize: $0[5])
                    },
                    quarantine: try Row.fetchAll(db, sql: "SELECT id, name, reason, at FROM quarantine ORDER BY id").map {
                        CopiedQuarantine(id: $0[0], name: $0[1], reason: $0[2], at: $0[3])
                    },
                    claims: try Row.fetchAll(db, sql: "SELECT key, item_id FROM claim").map { CopiedClaim(key: Array($0[0] as Data), itemId: $0[1]) })
                try visit(.header(header))
                var after: Int64 = 0
                while true {
                    let page = try Row.fetchAll(db, sql: "SELECT \(CopiedItem.selectColumns) WHERE i.id > ? ORDER BY i.id LIMIT ?",
                                                arguments: [after, pageSize]).map { row in
                        CopiedItem(
                            id: row[0], seq: row[1], originalId: row[2], kind: row[3], distance: row[4], containment: row[5],
                            matchedOn: row[6], sha256: Array(row[7] as Data), simhash: row[8], leadSimhash: row[9], indexed: row[10],
                            source: row[11], receivedAt: row[12], encoding: row[13], rawSize: row[14], baseId: row[15],
                            bodyDictionaryId: row[16], body: (row[17] as Data?).map(Array.init), anchors: (row[18] as Data?).map(Array.init))
                    }
                    guard let last = page.last else { break }
                    try visit(.items(page))
                    after = last.id
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    public func writeCopy(_ fill: (_ write: (StoreCopyPart) throws -> Void) throws -> Void) throws(StoreError) {
        do {
            try pool.write { db in
                guard try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM item") == 0,
                      try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM dictionary") == 0 else {
                    throw StoreError(message: "\(path) already holds items: a store is copied only into an empty one", kind: .exists)
                }
                var claims: [CopiedClaim] = []
                try fill { part in
                    switch part {
                    case .header(let header):
                        try Self.writeHeader(header, db)
                        claims = header.claims
                    case .items(let items): for item in items { try Self.write(item, db) }
                    }
                }
                // Claims name items: after them.
                for claim in claims {
                    try db.execute(sql: "INSERT INTO claim(key, item_id) VALUES (?, ?)", arguments: [Data(claim.key), claim.itemId])
                }
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }

    private static func writeHeader(_ header: StoreCopyHeader, _ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('store_id', ?)", arguments: [header.identity])
        for (name, value) in header.counters.sorted(by: { $0.key < $1.key }) where name != "last_id" {
            try db.execute(sql: "INSERT OR REPLACE INTO counter(name, value) VALUES (?, ?)", arguments: [name, value])
        }
        // The next id after the copy is the next the source would have given.
        try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'item'")
        try db.execute(sql: "INSERT INTO sqlite_sequence(name, seq) VALUES ('item', ?)", arguments: [header.counters["last_id"] ?? 0])
        for dictionary in header.dictionaries {
            try db.execute(sql: "INSERT INTO dictionary(id, script, trained_at, samples, bytes, raw_size) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [dictionary.id, dictionary.script, dictionary.trainedAt, dictionary.samples, Data(dictionary.bytes),
                                       dictionary.rawSize])
        }
        for record in header.quarantine {
            try db.execute(sql: "INSERT INTO quarantine(id, name, reason, at) VALUES (?, ?, ?, ?)",
                           arguments: [record.id, record.name, record.reason, record.at])
        }
    }

    private static func write(_ item: CopiedItem, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO item(id, seq, original_id, kind, distance, containment, matched_on, sha256, simhash, lead_simhash, indexed,
                             source, received_at, encoding, raw_size, base_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [item.id, item.seq, item.originalId, item.kind, item.distance, item.containment, item.matchedOn,
                             Data(item.sha256), item.simhash, item.leadSimhash, item.indexed, item.source, item.receivedAt,
                             item.encoding, item.rawSize, item.baseId])
        if let body = item.body {
            try db.execute(sql: "INSERT INTO body(item_id, dictionary_id, bytes) VALUES (?, ?, ?)",
                           arguments: [item.id, item.bodyDictionaryId, Data(body)])
        }
        if let anchors = item.anchors {
            try db.execute(sql: "INSERT INTO anchor(item_id, keys) VALUES (?, ?)", arguments: [item.id, Data(anchors)])
        }
    }
}
