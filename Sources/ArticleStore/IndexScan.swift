import DedupCore
import GRDB
import GRDBSQLite

/// Reads every indexed article's SimHash and anchors into the in-memory index: two scans in
/// id order (`item`, and `anchor`), merged here. Through SQLite's C API, because this
/// is the one place that visits every row: with GRDB's rows and a `[UInt32]` per article it took
/// 1.3 s a million articles (`bench.sh scale`), a join three times that.
enum IndexScan {
    static func load(into index: inout NearDuplicateIndex, _ db: Database) throws {
        let articles = try db.makeStatement(sql: "SELECT id, simhash FROM item WHERE indexed = 1 ORDER BY id")
        let anchors = try db.makeStatement(sql: "SELECT item_id, keys FROM anchor ORDER BY item_id")
        let rows = articles.sqliteStatement, anchorRows = anchors.sqliteStatement
        defer {
            sqlite3_reset(rows)
            sqlite3_reset(anchorRows)
        }
        var anchorId = try step(anchorRows, db) ? sqlite3_column_int64(anchorRows, 0) : Int64.max
        var keys: [UInt32] = []
        keys.reserveCapacity(Anchors.count)
        while try step(rows, db) {
            let id = sqlite3_column_int64(rows, 0)
            while anchorId < id { anchorId = try step(anchorRows, db) ? sqlite3_column_int64(anchorRows, 0) : Int64.max }
            keys.removeAll(keepingCapacity: true)
            if anchorId == id, let blob = sqlite3_column_blob(anchorRows, 1) {
                let bytes = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(anchorRows, 1)))
                for offset in stride(from: 0, to: bytes.count - 3, by: 4) {
                    keys.append(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                }
            }
            index.load(id: id, simhash: UInt64(bitPattern: sqlite3_column_int64(rows, 1)), anchors: keys)
        }
    }

    /// One step: true with a row, false at the end.
    private static func step(_ statement: SQLiteStatement, _ db: Database) throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}
