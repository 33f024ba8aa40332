import Foundation
import Glibc
import InboxScanner
import Testing

/// Real files in a real temporary directory, removed after each test.
@Suite final class InboxScannerTests {
    let root: URL
    let inbox: Directory
    let other: Directory

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("nd-inbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        inbox = try Directory(path: root.appendingPathComponent("inbox").path)
        other = try Directory(path: root.appendingPathComponent("other").path)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func write(_ name: String, _ text: String, in dir: Directory? = nil) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: (dir ?? inbox).path).appendingPathComponent(name))
    }

    @Test func ignoredNames() {
        #expect(FileName(".hidden").isIgnored)
        #expect(FileName("a.tmp").isIgnored)
        #expect(FileName("a.part").isIgnored)
        #expect(!FileName("a.txt").isIgnored)
        #expect(!FileName("tmp").isIgnored)
    }

    @Test func displayEscapesControlAndInvalidBytes() {
        #expect(FileName("पुतिन.txt").display == "पुतिन.txt")
        #expect(FileName("a\nb\u{1B}[31m").display == "a\\x0ab\\x1b[31m")
        #expect(FileName(bytes: [0x61, 0xFF, 0xC0, 0xAF]).display == "a\\xff\\xc0\\xaf")
        #expect(FileName("a\\x41").display == "a\\x5cx41")
    }

    @Test func readsARegularFile() throws {
        try write("a.txt", "Kim Jong-un")
        let contents = try inbox.read(FileName("a.txt"), cap: 1024)
        #expect(contents.bytes == Array("Kim Jong-un".utf8))
        #expect(contents.status.kind == .regular)
    }

    @Test func rejectsSymlinksWithoutFollowing() throws {
        try write("target.txt", "secret", in: other)
        #expect(symlink(other.path + "/target.txt", inbox.path + "/link.txt") == 0)
        #expect(throws: FileRejection.symlink) { try inbox.read(FileName("link.txt"), cap: 1024) }
    }

    @Test func fifoWithNoWriterDoesNotHang() throws {
        #expect(mkfifo(inbox.path + "/pipe", 0o600) == 0)
        #expect(throws: FileRejection.notRegular(.fifo)) { try inbox.read(FileName("pipe"), cap: 1024) }
    }

    @Test func rejectsHardLinksAndOversizeFiles() throws {
        try write("a.txt", "text")
        #expect(link(inbox.path + "/a.txt", other.path + "/b.txt") == 0)
        #expect(throws: FileRejection.multipleLinks(2)) { try inbox.read(FileName("a.txt"), cap: 1024) }
        try write("big.txt", String(repeating: "x", count: 2000))
        #expect(throws: FileRejection.tooLarge(size: 2000, cap: 1999)) { try inbox.read(FileName("big.txt"), cap: 1999) }
        #expect(try inbox.read(FileName("big.txt"), cap: 2000).bytes.count == 2000)
    }

    @Test func moveNeverReplaces() throws {
        try write("a.txt", "first", in: other)
        try write("a.txt", "second")
        let placed = try inbox.move(FileName("a.txt"), to: other)
        #expect(placed == FileName("a.txt.1"))
        #expect(try String(contentsOfFile: other.path + "/a.txt", encoding: .utf8) == "first")
        #expect(try String(contentsOfFile: other.path + "/a.txt.1", encoding: .utf8) == "second")
        #expect(!inbox.contains(FileName("a.txt")))
    }

    @Test func quarantineKeepsTheFileAndWritesTheReason() throws {
        try write("broken.txt", "x")
        let quarantine = Quarantine(directory: other)
        try quarantine.admit(FileName("broken.txt"), from: inbox, reason: "invalid UTF-8 at byte offset 0", at: "2026-11-22T10:00:00Z")
        #expect(try String(contentsOfFile: other.path + "/broken.txt", encoding: .utf8) == "x")
        let reason = try String(contentsOfFile: other.path + "/.broken.txt.reason", encoding: .utf8)
        #expect(reason.contains("reason: invalid UTF-8 at byte offset 0"))
        #expect(try other.entries().filter { $0.display.hasPrefix(".tmp-") }.isEmpty, "no temporary file left")
    }

    /// Issue 14, item 3: whatever the names, nothing in the quarantine is overwritten, and a
    /// producer's `*.reason` file is a quarantined file like any other.
    @Test func quarantineNeverOverwritesAndTellsReasonsFromFiles() throws {
        let quarantine = Quarantine(directory: other)
        try write("report.reason", "the producer's own")
        try quarantine.admit(FileName("report.reason"), from: inbox, reason: "binary", at: "2026-11-22T10:00:00Z")
        try write("report", "bad")
        try quarantine.admit(FileName("report"), from: inbox, reason: "no words", at: "2026-11-22T10:00:01Z")
        #expect(try String(contentsOfFile: other.path + "/report.reason", encoding: .utf8) == "the producer's own")
        #expect(try quarantine.files().map(\.name.display).sorted() == ["report", "report.reason"])
        #expect(quarantine.reason(of: FileName("report")) == QuarantineReason(file: "report", quarantinedAt: "2026-11-22T10:00:01Z", reason: "no words"))
        #expect(quarantine.reason(of: FileName("report.reason"))?.reason == "binary")
        // A reason is one line, whatever the reason's text holds.
        try write("multi", "bad")
        try quarantine.admit(FileName("multi"), from: inbox, reason: "first\nsecond", at: "2026-11-22T10:00:03Z")
        #expect(quarantine.reason(of: FileName("multi"))?.reason == "first second")
        // A reason left by a crash (its file never arrived) is never written over.
        try write(".again.reason", "left by a crash", in: other)
        try write("again", "bad")
        #expect(try quarantine.admit(FileName("again"), from: inbox, reason: "empty", at: "2026-11-22T10:00:02Z") == FileName("again.1"))
        #expect(try String(contentsOfFile: other.path + "/.again.reason", encoding: .utf8) == "left by a crash")
    }

    /// Reason files of older versions (NAME.reason beside NAME) are renamed to .NAME.reason;
    /// a producer's file that merely ends in .reason is left alone.
    @Test func legacyReasonFilesAreAdopted() throws {
        try write("old.txt", "bad", in: other)
        try write("old.txt.reason", "file: old.txt\nquarantined: 2026-01-01T00:00:00Z\nreason: empty file\n", in: other)
        try write("notes.reason", "file: but no file beside it", in: other)
        let quarantine = Quarantine(directory: other)
        #expect(try quarantine.adoptLegacyReasons() == 1)
        #expect(quarantine.reason(of: FileName("old.txt"))?.reason == "empty file")
        #expect(try quarantine.files().map(\.name.display).sorted() == ["notes.reason", "old.txt"])
    }

    /// A name near the 255-byte limit leaves no room for NAME.reason: such a file is quarantined
    /// under a shortened name, and its reason file still gives the whole name.
    @Test func quarantineShortensANameTooLongForItsReason() throws {
        let name = "abcdefghij" + String(repeating: "समाचार", count: 13) + ".txt"  // 248 bytes
        #expect(name.utf8.count == 248)  // ".tmp-." + NAME + ".reason" would be 261
        try write(name, "x")
        let placed = try Quarantine(directory: other).admit(FileName(name), from: inbox, reason: "no words", at: "2026-11-22T10:00:00Z")
        #expect(placed.bytes.count < 200)
        #expect(String(decoding: placed.bytes, as: UTF8.self).hasPrefix("abcdefghij" + String(repeating: "समाचार", count: 9)), "cut between characters")
        #expect(try String(contentsOfFile: other.path + "/" + placed.display, encoding: .utf8) == "x")
        let reason = try String(contentsOfFile: other.path + "/." + placed.display + ".reason", encoding: .utf8)
        #expect(reason.contains("file: \(name)"))
        #expect(!inbox.contains(FileName(name)))
        // Another long name with the same beginning gets a name of its own.
        let sibling = String(name.dropLast(5)) + "b.txt"
        try write(sibling, "y")
        let second = try Quarantine(directory: other).admit(FileName(sibling), from: inbox, reason: "no words", at: "2026-11-22T10:00:00Z")
        #expect(second != placed && !second.display.hasSuffix(".1"))
    }

    @Test func entriesHandleNamesThatAreNotUTF8() throws {
        let name = FileName(bytes: Array("x".utf8) + [0xFF, 0x0A])
        let path = Array(inbox.path.utf8) + [UInt8(ascii: "/")] + name.bytes + [0]
        let created = path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { creat($0.baseAddress!, 0o600) } }
        #expect(created >= 0)
        close(created)
        #expect(try inbox.entries() == [name])
        try inbox.move(name, to: other)
        #expect(try other.entries() == [name])
    }
}
