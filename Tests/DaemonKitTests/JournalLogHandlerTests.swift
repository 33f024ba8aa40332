@testable import DaemonKit
import Foundation
import Glibc
import Logging
import Testing

@Suite struct JournalLogHandlerTests {
    @Test func aLineCarriesItsPriorityAndNoTimestamp() {
        #expect(JournalLogHandler.line(level: .warning, message: "store degraded", metadata: ["error": "disk full", "after": "3"])
                == "<4>store degraded after=3 error=disk full\n")
        #expect(JournalLogHandler.line(level: .info, message: "stored", metadata: [:]) == "<6>stored\n")
        let priorities = Logger.Level.allCases.map(JournalLogHandler.priority)
        #expect(priorities == [7, 7, 6, 5, 4, 3, 2], "trace … critical")
    }

    @Test func theJournalIsTheStreamItsVariableNames() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nd-journal-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let fd = open(file.path, O_RDONLY)
        defer { close(fd) }
        var info = stat()
        try #require(fstat(fd, &info) == 0)
        #expect(JournalLogHandler.isJournal(fd, stream: "\(info.st_dev):\(info.st_ino)"))
        #expect(!JournalLogHandler.isJournal(fd, stream: "\(info.st_dev):\(info.st_ino + 1)"))
        #expect(!JournalLogHandler.isJournal(fd, stream: nil))
        #expect(!JournalLogHandler.isJournal(fd, stream: "garbage"))
    }
}
