import ControlProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// The real `newsdedupd` and `newsdedupctl`, on a temporary inbox, over the real socket.
@Suite(.serialized) struct DaemonEndToEndTests {
    @Test func seedsPlusExactAndLightlyEditedCopy() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        try workspace.dropSeeds()
        try workspace.drop("copy-of-000.txt", try Seeds.bytes(Seeds.names[0]))
        try workspace.drop("edited-000.txt", try Seeds.editedFirst())

        let status = try daemon.waitForProcessed(7)
        #expect(status.articles == 5)
        #expect(status.exactDuplicates == 1)
        #expect(status.nearDuplicates == 1)
        #expect(status.quarantined == 0)
        #expect(status.state == .running)
        #expect(status.lastError == nil)
        #expect(status.storedBytes < status.rawBytes / 2)
        #expect(workspace.filesBelow("processed").count == 7)
        #expect(workspace.files(in: "inbox").isEmpty)

        #expect(try daemon.stop(SIGTERM) == 0)
        #expect(!FileManager.default.fileExists(atPath: workspace.socket), "socket removed on shutdown")
        #expect(daemon.log.contains("store closed"))
    }

    @Test func exportRecordsAndShowReturnsTheBytes() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        try workspace.dropSeeds()
        try daemon.waitForProcessed(5)
        try workspace.drop("copy.txt", try Seeds.bytes(Seeds.names[3]))
        try daemon.waitForProcessed(6)

        let export = try ctl(workspace, "export")
        #expect(export.status == 0, "\(export.stderr)")
        let lines = export.text.split(separator: "\n")
        #expect(lines.count == 6)
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let fields = ["seq", "id", "kind", "duplicate_of", "distance", "source", "sha256", "simhash", "received_at", "text"]
        for record in records {
            for field in fields { #expect(record.keys.contains(field), "record lacks \(field)") }
            #expect((record["simhash"] as? String)?.count == 16)
            #expect((record["received_at"] as? String)?.hasSuffix("Z") == true)
        }
        #expect(records.map { $0["seq"] as? Int } == [1, 2, 3, 4, 5, 6])
        let last = records[5]
        #expect(last["kind"] as? String == "duplicate")
        #expect(last["distance"] as? Int == 0)
        #expect(last["text"] is NSNull)
        #expect(records[0]["text"] as? String == String(decoding: try Seeds.bytes(records[0]["source"] as! String), as: UTF8.self))

        let since = try ctl(workspace, "export", "--since", "4")
        #expect(since.text.split(separator: "\n").count == 2)
        #expect(try ctl(workspace, "export", "--since", "6").text.isEmpty)

        for record in records where record["kind"] as? String == "article" {
            let shown = try ctl(workspace, "show", "\(record["id"] as! Int)")
            #expect(shown.status == 0)
            #expect(shown.stdout == (try Seeds.bytes(record["source"] as! String)), "show is byte for byte")
        }
        #expect(try daemon.stop(SIGINT) == 0)
    }

    @Test func badFilesGoToQuarantineWithAReasonAndTheDaemonGoesOn() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        try workspace.drop("nul.txt", Data([0x00]) + Data("text".utf8))
        try workspace.drop("latin1.txt", Data([0x63, 0x61, 0x66, 0xE9]))
        try workspace.drop("empty.txt", Data())
        try workspace.drop("punctuation.txt", Data("।। … —".utf8))
        #expect(symlink(Seeds.directory.appendingPathComponent(Seeds.names[0]).path, workspace.inbox.appendingPathComponent("link.txt").path) == 0)
        try workspace.drop(".hidden", Data("never touched".utf8))
        try workspace.drop("partial.part", Data("never touched".utf8))

        let status = try daemon.waitForProcessed(5)
        #expect(status.quarantined == 5)
        #expect(status.articles == 0)
        let reasons = workspace.files(in: "quarantine").filter { $0.hasPrefix(".") && $0.hasSuffix(".reason") }
        #expect(reasons.count == 5)
        let reasonText = { (name: String) in
            (try? String(contentsOf: workspace.dir("quarantine").appendingPathComponent("." + name + ".reason"), encoding: .utf8)) ?? ""
        }
        #expect(reasonText("nul.txt").contains("NUL byte at offset 0"))
        #expect(reasonText("latin1.txt").contains("invalid UTF-8 at byte offset 3"))
        #expect(reasonText("empty.txt").contains("empty file"))
        #expect(reasonText("punctuation.txt").contains("no words"))
        #expect(reasonText("link.txt").contains("symbolic link"))
        #expect(workspace.files(in: "inbox") == [".hidden", "partial.part"])

        // Still serving and still ingesting.
        try workspace.drop("good.txt", try Seeds.bytes(Seeds.names[1]))
        #expect(try daemon.waitForProcessed(6).articles == 1)
        #expect(try daemon.stop() == 0)
    }

    @Test func aSecondDaemonOnTheSameSocketRefusesToStart() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        let other = workspace.root.appendingPathComponent("other")
        let second = try run(Binaries.daemon, ["--inbox", other.appendingPathComponent("inbox").path,
                                               "--store", other.appendingPathComponent("store.sqlite").path, "--socket", workspace.socket])
        #expect(second.status != 0)
        #expect(second.stderr.contains("another newsdedupd is already serving"))
        #expect(try daemon.status().state == .running)
        #expect(try daemon.stop() == 0)
    }

    /// A second writer on the same store, through another socket and inbox (or a `--once`
    /// beside the service), would keep an index blind to the first one's articles: refused.
    @Test func aSecondWriterOnTheSameStoreIsRefused() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        let other = workspace.root.appendingPathComponent("other")
        for extra in [["--socket", other.appendingPathComponent("c.sock").path], ["--once"]] {
            let second = try run(Binaries.daemon, ["--inbox", other.appendingPathComponent("inbox").path, "--store", workspace.store] + extra)
            #expect(second.status != 0)
            #expect(second.stderr.contains("another newsdedupd is writing"), "\(second.stderr)")
        }
        #expect(try daemon.status().state == .running)
        #expect(try daemon.stop() == 0)
        // Released at exit: the store is free again.
        let after = try run(Binaries.daemon, ["--once", "--inbox", other.appendingPathComponent("inbox").path, "--store", workspace.store,
                                              "--socket", other.appendingPathComponent("c.sock").path])
        #expect(after.status == 0, "\(after.stderr)")
    }

    @Test func aStaleSocketFileIsReplaced() throws {
        let workspace = try Workspace()
        let first = try RunningDaemon(workspace)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: workspace.socket), "kill -9 leaves the socket file")
        let second = try RunningDaemon(workspace)
        #expect(try second.status().state == .running)
        #expect(try second.stop() == 0)
    }
}
