import Foundation
import InboxScanner
import SystemSupport
import Testing

/// Batch folders in a real processing/ directory, archived into a real processed/.
@Suite final class BatchFolderTests {
    let root: URL
    let inbox: Directory
    let processing: Directory
    let processed: Directory

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("nd-batch-\(UUID().uuidString)")
        inbox = try Directory(path: root.appendingPathComponent("inbox").path)
        processing = try Directory(path: root.appendingPathComponent("processing").path)
        processed = try Directory(path: root.appendingPathComponent("processed").path)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func listing(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(path).path)) ?? []).sorted()
    }

    @Test func aNewFolderSkipsTakenNames() throws {
        var next = 0
        let number = { () -> Int in next += 1; return next }
        let first = try BatchFolder(creatingIn: processing, stamp: "S", number: number)
        #expect(try processing.makeDirectory(FileName("S-3")))
        let second = try BatchFolder(creatingIn: processing, stamp: "S", number: number)
        let third = try BatchFolder(creatingIn: processing, stamp: "S", number: number)
        #expect([first, second, third].map(\.name.display) == ["S-1", "S-2", "S-4"])
        #expect(listing("processing") == ["S-1", "S-2", "S-3", "S-4"])
    }

    @Test func claimedFilesLeaveInOneFolderRenamedIntoTheDay() throws {
        try Data("one".utf8).write(to: root.appendingPathComponent("inbox/a.txt"))
        try Data("two".utf8).write(to: root.appendingPathComponent("inbox/b.txt"))
        let folder = try BatchFolder(creatingIn: processing, stamp: "S", number: { 1 })
        for name in ["a.txt", "b.txt"] { try inbox.move(FileName(name), to: folder.directory) }
        #expect(listing("processing/S-1") == ["a.txt", "b.txt"])

        let archive = ProcessedArchive(root: processed)
        #expect(try archive.archive(folder, from: processing, day: "2026-11-22") == "2026-11-22/S-1")
        #expect(listing("processing").isEmpty)
        #expect(listing("processed") == ["2026-11-22"])
        #expect(try String(contentsOf: root.appendingPathComponent("processed/2026-11-22/S-1/b.txt"), encoding: .utf8) == "two")

        // A folder of the same name on the same day (a restored backup, say) is not replaced.
        let again = try BatchFolder(creatingIn: processing, stamp: "S", number: { 1 })
        #expect(try archive.archive(again, from: processing, day: "2026-11-22") == "2026-11-22/S-1.1")
        let later = try BatchFolder(creatingIn: processing, stamp: "S", number: { 2 })
        #expect(try archive.archive(later, from: processing, day: "2026-11-23") == "2026-11-23/S-2")
        #expect(listing("processed") == ["2026-11-22", "2026-11-23"])
        #expect(listing("processed/2026-11-22") == ["S-1", "S-1.1"])
    }

    @Test func aFolderLeftBehindIsOpenedAndOnlyAnEmptyOneRemoved() throws {
        let folder = try BatchFolder(creatingIn: processing, stamp: "S", number: { 7 })
        try Data("x".utf8).write(to: root.appendingPathComponent("processing/S-7/x.txt"))
        let reopened = try BatchFolder(opening: FileName("S-7"), in: processing)
        #expect(try reopened.directory.entries() == [FileName("x.txt")])
        #expect(try !processing.removeEmptyDirectory(folder.name))
        try reopened.directory.remove(FileName("x.txt"))
        #expect(try processing.removeEmptyDirectory(folder.name))
        #expect(listing("processing").isEmpty)
        #expect(throws: SystemError.self) { try BatchFolder(opening: FileName("S-7"), in: processing) }
    }
}
