import Foundation
import Glibc
import InboxScanner
import Testing

@Suite struct SettleGateTests {
    let a = FileName("a.txt")
    let sig = SettleGate.Signature(size: 10, modified: 1, inode: 7)

    @Test func fileWrittenInPlaceWaitsForTwoUnchangedLooks() {
        var gate = SettleGate(minimumAge: 1)
        #expect(gate.ready([(a, sig)], now: 0) == ([], 1))
        #expect(gate.ready([(a, sig)], now: 0.5) == ([], 1), "too soon")
        #expect(gate.ready([(a, sig)], now: 1.0) == ([a], 0))
    }

    @Test(arguments: [
        SettleGate.Signature(size: 11, modified: 1, inode: 7),
        SettleGate.Signature(size: 10, modified: 2, inode: 7),
        SettleGate.Signature(size: 10, modified: 1, inode: 8),
    ])
    func anyChangeRestartsTheWait(changed: SettleGate.Signature) {
        var gate = SettleGate(minimumAge: 1)
        _ = gate.ready([(a, sig)], now: 0)
        #expect(gate.ready([(a, changed)], now: 1.5).ready.isEmpty)
        #expect(gate.ready([(a, changed)], now: 2.0).ready.isEmpty)
        #expect(gate.ready([(a, changed)], now: 2.5).ready == [a])
    }

    @Test func renamedInIsReadyAtOnce() {
        var gate = SettleGate(minimumAge: 5)
        gate.noteRenamedIn(a, inode: sig.inode)
        #expect(gate.ready([(a, sig)], now: 0) == ([a], 0))
    }

    /// Issue 14, item 2: the file renamed in was claimed by the age path before its event was
    /// read; a new file written in place under the same name must settle, not be taken at once.
    @Test func aRenameMarkBelongsToItsInode() {
        var gate = SettleGate(minimumAge: 1)
        _ = gate.ready([(a, sig)], now: 0)
        #expect(gate.ready([(a, sig)], now: 1.0).ready == [a], "taken by the age path")
        gate.noteRenamedIn(a, inode: sig.inode)  // its IN_MOVED_TO, read late
        let halfWritten = SettleGate.Signature(size: 3, modified: 5, inode: 99)
        #expect(gate.ready([(a, halfWritten)], now: 1.1).ready.isEmpty, "another inode: it settles like any file")
        #expect(gate.ready([(a, halfWritten)], now: 1.5).ready.isEmpty, "and the stale mark is gone")
        #expect(gate.ready([(a, halfWritten)], now: 2.2).ready == [a])
    }

    @Test func forgottenWhenGoneAndAfterBeingTaken() {
        var gate = SettleGate(minimumAge: 1)
        _ = gate.ready([(a, sig)], now: 0)
        _ = gate.ready([], now: 0.5)
        #expect(gate.ready([(a, sig)], now: 1.2).ready.isEmpty, "a file that vanished and came back starts over")
        gate.noteRenamedIn(a, inode: sig.inode)
        #expect(gate.ready([(a, sig)], now: 1.3).ready == [a])
        #expect(gate.ready([(a, sig)], now: 1.4).ready.isEmpty, "a new file under a taken name starts over")
    }

    @Test func zeroAgeTakesEverything() {
        var gate = SettleGate(minimumAge: 0)
        #expect(gate.ready([(a, sig)], now: 0).ready == [a])
    }
}

@Suite struct InboxWatcherTests {
    @Test func reportsRenamesIntoTheDirectoryAndWakes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nd-watch-\(UUID().uuidString)")
        let inbox = root.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let watcher = try InboxWatcher(directory: inbox.path)
        try #require(watcher.isWatching, "inotify is not available here")

        try Data("x".utf8).write(to: root.appendingPathComponent("outside.txt"))
        #expect(rename(root.appendingPathComponent("outside.txt").path, inbox.appendingPathComponent("in.txt").path) == 0)
        try Data("y".utf8).write(to: inbox.appendingPathComponent("written.txt"))
        let first = watcher.wait(timeout: 60)
        #expect(first.renamed == [FileName("in.txt")], "only the rename makes a file complete at once")
        #expect(!first.timedOut, "the rename woke the wait")

        // Read without waiting, before each listing, and after the inbox was replaced.
        #expect(rename(inbox.path, root.appendingPathComponent("old-inbox").path) == 0)
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        watcher.watch(directory: inbox.path)
        try Data("z".utf8).write(to: root.appendingPathComponent("late.txt"))
        #expect(rename(root.appendingPathComponent("late.txt").path, inbox.appendingPathComponent("late.txt").path) == 0)
        #expect(watcher.renamedSinceLastLook() == [FileName("late.txt")], "the new inbox is watched")

        watcher.wake()
        let woken = watcher.wait(timeout: 60)
        #expect(woken.renamed.isEmpty)
        #expect(!woken.timedOut, "wake() interrupts the wait")
    }
}
