@testable import ArticleStore
import ControlProtocol
import DedupCore
import Foundation
import Glibc
import TestSupport
import Testing

/// Issue 5 through the real binaries: a copy cut short is recorded as a near duplicate with the
/// containment that confirmed it, `similar` explains the match, and a store written by an
/// older fingerprint algorithm is refused until `newsdedupd --reindex` has refingerprinted it.
@Suite(.serialized) struct LeadMatchAndReindexTests {
    /// Seed 001 with only its first 60 % of paragraphs.
    func cutCopy() throws -> Data {
        let paragraphs = try Seeds.text(Seeds.names[1]).split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return Data(paragraphs.prefix(paragraphs.count * 6 / 10).joined(separator: "\n").utf8)
    }

    @Test func aCutCopyIsCaughtAndExplained() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        try workspace.dropSeeds()
        try daemon.waitForProcessed(5)
        try workspace.drop("cut.txt", try cutCopy())
        try daemon.waitForProcessed(6)
        #expect(try daemon.status().nearDuplicates == 1)

        let duplicates = try ctl(workspace, "duplicates", "2", "--json")
        let reply = try JSONDecoder().decode(DuplicateReply.self, from: Data(duplicates.text.split(separator: "\n")[0].utf8))
        #expect(reply.kind == .near && reply.source == "cut.txt" && reply.matchedOn == .lead)
        #expect((reply.containment ?? 0) >= 0.95 && reply.distance > 7, "the whole-text distance, beyond K")
        #expect(try ctl(workspace, "duplicates", "2").text.contains("lead, contains"))
        let feed = try ctl(workspace, "export", "--since", "5")
        #expect(feed.text.contains("\"containment\":") && feed.text.contains("\"matched_on\":\"lead\""), "\(feed.text)")

        let probe = workspace.root.appendingPathComponent("probe.txt")
        try cutCopy().write(to: probe)
        let similar = try ctl(workspace, "similar", probe.path)
        #expect(similar.status == 0)
        #expect(similar.text.contains("lead, contains") && !similar.text.contains("not a duplicate"), "\(similar.text)")
        let json = try ctl(workspace, "similar", probe.path, "--json").text.split(separator: "\n")
        let line = try #require(json.first.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(line["basis"] as? String == "lead" && line["duplicate"] as? Bool == true)
        #expect((line["containment"] as? Double ?? 0) >= 0.95)
        #expect(try daemon.stop() == 0)
    }

    /// Seed 002 as another site re-publishes it: its own headline and lede instead of the first
    /// paragraph, navigation and other stories' headlines above and below, a dateline added.
    func republished() throws -> Data {
        let paragraphs = try Seeds.text(Seeds.names[2]).split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let chrome = """
            Home | World | Politics | Business | Sport | Science | Culture | Opinion | Video | Subscribe
            Most read: Storm closes schools across the north coast · Central bank holds rates for a third month ·             Ferry strike enters its second week · Museum returns looted bronzes · Local elections: the results in full
            """
        let top = """
            EXCLUSIVE: What the talks in the far east mean for the region
            By our foreign desk, updated 14:05. Diplomats said on Thursday that the meeting had been planned for months.
            """
        let footer = """
            Related stories: Markets rally as oil falls · Five things to know this morning · Weather: heavy rain expected
            © Example Media Group. All rights reserved. Terms | Privacy | Cookies | Contact us | Advertise
            """
        return Data(([chrome, top] + paragraphs.dropFirst().map(String.init) + [footer]).joined(separator: "\n\n").utf8)
    }

    @Test func aCopyWithANewTopAndChromeIsFoundByItsAnchors() throws {
        let original = try Fingerprinter().fingerprint(of: Seeds.text(Seeds.names[2]))
        let copy = try Fingerprinter().fingerprint(of: String(decoding: try republished(), as: UTF8.self))
        #expect(SimHash.distance(original.simhash, copy.simhash) > 7 && original.leadSimhash != copy.leadSimhash,
                "neither the whole text nor the lead finds this copy")
        #expect(!Set(original.anchors).isDisjoint(with: copy.anchors))

        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        try workspace.dropSeeds()
        try daemon.waitForProcessed(5)
        try workspace.drop("republished.txt", try republished())
        try daemon.waitForProcessed(6)
        #expect(try daemon.status().nearDuplicates == 1)
        let duplicates = try ctl(workspace, "duplicates", "3", "--json")
        let reply = try JSONDecoder().decode(DuplicateReply.self, from: Data(duplicates.text.split(separator: "\n")[0].utf8))
        #expect(reply.kind == .near && reply.source == "republished.txt" && reply.matchedOn == .part, "\(duplicates.text)")
        #expect((reply.containment ?? 0) >= NearDuplicateThreshold.minimumContainment)
        #expect(try ctl(workspace, "export", "--since", "5").text.contains("\"matched_on\":\"part\""))

        let probe = workspace.root.appendingPathComponent("probe.txt")
        try republished().write(to: probe)
        let similar = try ctl(workspace, "similar", probe.path)
        #expect(similar.status == 0 && similar.text.contains("part, contains"), "\(similar.text)")
        #expect(try daemon.stop() == 0)
    }

    @Test func anOldStoreIsRefusedUntilReindexed() throws {
        let workspace = try Workspace()
        var daemon = try RunningDaemon(workspace)
        try workspace.dropSeeds()
        try daemon.waitForProcessed(5)
        #expect(try daemon.stop() == 0)
        // What an algorithm-1 store looks like to this build.
        let store = try Store(path: workspace.store)
        try store.pool.write { db in
            try db.execute(sql: "UPDATE meta SET value = '1' WHERE key = 'fingerprint_algorithm'")
            try db.execute(sql: "UPDATE item SET lead_simhash = 0")
        }
        try store.close()

        let refused = try run(Binaries.daemon, ["--once", "--inbox", workspace.inbox.path, "--store", workspace.store])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("newsdedupd reindex"), "\(refused.stderr)")

        // Refused while a daemon serves the socket: a stand-in listener is enough to be "answering".
        let reindex = ["--reindex", "--store", workspace.store, "--socket", workspace.socket]
        let listener = RawSocket.listen(at: workspace.socket)
        #expect(listener >= 0)
        let busy = try run(Binaries.daemon, reindex)
        #expect(busy.status != 0 && busy.stderr.contains("stop it before reindexing"), "\(busy.stderr)")
        close(listener)
        unlink(workspace.socket)

        let done = try run(Binaries.daemon, reindex)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.text.contains("5 articles refingerprinted") && done.text.contains("fingerprint_algorithm=1"), "\(done.text)")

        daemon = try RunningDaemon(workspace)
        try workspace.drop("cut.txt", try cutCopy())
        try daemon.waitForProcessed(6)
        #expect(try daemon.status().nearDuplicates == 1, "the lead index works on the reindexed rows")
        #expect(try daemon.stop() == 0)
    }
}
