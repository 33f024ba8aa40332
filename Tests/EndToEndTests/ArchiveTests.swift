@testable import ArticleStore
import ControlProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// Issue 18: the store is the archive. Every received file, duplicates included, comes back
/// byte for byte from the store alone, so processed/ can go: `keep_processed: 0` deletes each
/// batch once committed, `keep_processed: N` removes whole days older than N.
@Suite(.serialized) struct ArchiveTests {
    @Test func everyDroppedFileIsRecreatedFromTheStoreAloneWithProcessedDeleted() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_KEEP_PROCESSED": "0"])
        var factory = try ArticleFactory(seed: 1818)
        var dropped: [String: Data] = [:]
        func drop(_ name: String, _ bytes: Data) throws {
            dropped[name] = bytes
            try workspace.drop(name, bytes)
        }
        for name in Seeds.names { try drop(name, try Seeds.bytes(name)) }
        _ = try daemon.waitForProcessed(Int64(dropped.count))
        // Then what syndication sends: identical copies, a light edit, another encoding, HTML,
        // and new stories.
        let first = try Seeds.bytes(Seeds.names[0]), second = try Seeds.bytes(Seeds.names[1])
        try drop("same.txt", first)
        try drop("edited.txt", try Seeds.editedFirst())
        let text = String(decoding: second, as: UTF8.self)
        try drop("utf16.txt", Data([0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
        try drop("page.html", Data(("<html><body><p>" + text + "</p></body></html>").utf8))
        for index in 0..<6 { try drop("new-\(index).txt", factory.article()) }
        let status = try daemon.waitForProcessed(Int64(dropped.count))
        #expect(status.exactDuplicates + status.nearDuplicates == 4, "\(status)")
        try waitFor("processed/ empty") { workspace.filesBelow("processed").isEmpty && workspace.filesBelow("processing").isEmpty }

        // Nothing on disk but the store: rebuild every file from the feed and `show`.
        let export = try ctl(workspace, "export")
        #expect(export.status == 0, "\(export.stderr)")
        let records = try export.text.split(separator: "\n").map { try JSONDecoder().decode(ExportRecord.self, from: Data($0.utf8)) }
        #expect(records.count == dropped.count)
        #expect(Set(records.map(\.id)).count == records.count, "one id space: \(records.map(\.id))")
        var recreated: [String: Data] = [:]
        for record in records {
            let shown = try ctl(workspace, "show", "\(record.id)")
            #expect(shown.status == 0, "\(record.source): \(shown.stderr)")
            recreated[record.source] = shown.stdout
        }
        #expect(recreated == dropped)
        // A duplicate's record says what it is and where its bytes are.
        let same = try #require(records.first { $0.source == "same.txt" })
        let meta = try ctl(workspace, "show", "--meta", "\(same.id)")
        let item = try JSONDecoder().decode(ItemReply.self, from: meta.stdout)
        #expect(item.kind == .duplicate && item.duplicateOf == 1 && item.storedSize == 0 && item.seq == same.seq, "\(item)")
        let listed = try ctl(workspace, "duplicates", "1")
        #expect(listed.status == 0 && listed.text.contains("same.txt") && listed.text.contains("edited.txt"), "\(listed.text)")
        #expect(try ctl(workspace, "check").status == 0)
        #expect(try daemon.stop() == 0)
        // Claims of batches that left processing/ were forgotten: only the last batch's remain.
        let store = try Store(path: workspace.store)
        defer { try? store.close() }
        let claims = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM claim") ?? 0 }
        #expect(claims < dropped.count, "\(claims) claims kept for \(dropped.count) items")
    }

    @Test func keepProcessedRemovesWholeOldDaysAndNothingElse() throws {
        let workspace = try Workspace()
        let processed = workspace.dir("processed")
        let old = processed.appendingPathComponent("2020-01-01/20200101T000000-1")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: old.appendingPathComponent("old.txt"))
        let other = processed.appendingPathComponent("operator-notes")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_KEEP_PROCESSED": "1"])
        try workspace.dropSeeds()
        _ = try daemon.waitForProcessed(Int64(Seeds.names.count))
        try waitFor("the old day pruned") { !FileManager.default.fileExists(atPath: processed.appendingPathComponent("2020-01-01").path) }
        #expect(FileManager.default.fileExists(atPath: other.path), "not a day: left alone")
        try waitFor("today's files kept") { workspace.filesBelow("processed").count == Seeds.names.count }
        #expect(try daemon.stop() == 0)
        #expect(daemon.log.contains("processed pruned"), "\(daemon.log)")
    }

    @Test func aBadKeepProcessedIsRefusedWithASentence() throws {
        let workspace = try Workspace()
        let result = try run(Binaries.daemon, ["--check-config", "--inbox", workspace.inbox.path],
                             environment: ["NEWSDEDUP_KEEP_PROCESSED": "a week"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("keep_processed") && result.stderr.contains("forever, or a whole number of days"), "\(result.stderr)")
    }
}
