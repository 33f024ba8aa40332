@testable import ArticleStore
import GRDB
import Testing

/// What each SQLite result code means for the daemon (extended codes by their primary code).
@Suite struct StoreErrorTests {
    @Test(arguments: [
        (ResultCode.SQLITE_CORRUPT, StoreError.Kind.corrupt),
        (ResultCode.SQLITE_NOTADB, .corrupt),
        (ResultCode.SQLITE_CORRUPT_INDEX, .corrupt),
        (ResultCode.SQLITE_FULL, .transient),
        (ResultCode.SQLITE_IOERR_FSYNC, .transient),
        (ResultCode.SQLITE_READONLY, .transient),
        (ResultCode.SQLITE_BUSY, .transient),
        (ResultCode.SQLITE_CANTOPEN, .transient),
        (ResultCode.SQLITE_CONSTRAINT_UNIQUE, .fatal),
        (ResultCode.SQLITE_ERROR, .fatal),
    ])
    func resultCodesAreClassified(code: ResultCode, kind: StoreError.Kind) {
        #expect(StoreError.wrap(DatabaseError(resultCode: code, message: "x")).kind == kind)
    }
}
