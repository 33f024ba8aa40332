@testable import ArticleStore
import ControlProtocol
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.serialized) struct ReloadTests {
    @Test func reloadAppliesLiveKeysAndNamesWhatNeedsARestart() throws {
        let workspace = try Workspace()
        let config = workspace.root.appendingPathComponent("newsdedup.yaml")
        try Data("max_distance: 7\nlog_level: info\n".utf8).write(to: config)
        let daemon = try RunningDaemon(workspace, extra: ["--config", config.path])
        #expect(try daemon.status().maxDistance == 7)
        try workspace.drop("before.txt", try Seeds.bytes(Seeds.names[1]))
        try daemon.waitForProcessed(1)
        #expect(daemon.log.contains("file=before.txt"), "info lines at level info")

        try Data("max_distance: 3\nlog_level: warning\ncontrol_max_connections: 5\n".utf8).write(to: config)
        let reload = try ctl(workspace, "reload")
        #expect(reload.status == 0, "\(reload.stderr)")
        #expect(reload.text.contains("applied max_distance, log_level"), "\(reload.text)")
        #expect(reload.text.contains("needs a restart to apply: control_max_connections"))
        #expect(try daemon.status().maxDistance == 3)
        try workspace.drop("after.txt", try Seeds.bytes(Seeds.names[0]))
        try daemon.waitForProcessed(2)
        #expect(!daemon.log.contains("file=after.txt"), "the new log level applies at once")

        try Data("max_distance: 5\n".utf8).write(to: config)
        kill(daemon.process.processIdentifier, SIGHUP)
        try waitFor("SIGHUP to apply max_distance 5") { try daemon.status().maxDistance == 5 }

        try Data("max_distance: lots\n".utf8).write(to: config)
        let bad = try ctl(workspace, "reload")
        #expect(bad.status == 1, "a refused configuration is an error")
        #expect(bad.stderr.contains("8006") && bad.stderr.contains("reload failed") && bad.stderr.contains("\"max_distance\""),
                "\(bad.stderr)")
        #expect(try daemon.status().maxDistance == 5, "the running configuration stays")
        #expect(try daemon.status().state == .running)
        #expect(try daemon.stop() == 0)
    }
}

@Suite(.serialized) struct RetentionEndToEndTests {
    /// With a one-day window, an article received ten days ago no longer makes a near copy a
    /// duplicate, while an exact copy still is one.
    @Test func theDedupWindowAppliesAtStart() throws {
        let workspace = try Workspace()
        try workspace.dropSeeds()
        #expect(try run(Binaries.daemon, ["--once", "--inbox", workspace.inbox.path, "--store", workspace.store]).status == 0)
        let store = try Store(path: workspace.store)
        try store.pool.write { db in
            try db.execute(sql: "UPDATE item SET received_at = received_at - 10 * 86400000 WHERE id = 1")
        }
        try store.close()

        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_RETENTION_DAYS": "1"])
        try workspace.drop("edited.txt", try Seeds.editedFirst())
        try workspace.drop("copy.txt", try Seeds.bytes(Seeds.names[0]))
        let status = try daemon.waitForProcessed(7)
        #expect(status.articles == 6, "the near copy of an article out of the window is a new article")
        #expect(status.exactDuplicates == 1)
        #expect(status.nearDuplicates == 0)
        #expect(daemon.log.contains("left_index=1"))
        #expect(try ctl(workspace, "check").status == 0)
        #expect(try daemon.stop() == 0)
    }
}
