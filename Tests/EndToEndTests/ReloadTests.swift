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
        #expect(bad.text.contains("reload failed") && bad.text.contains("\"max_distance\""), "\(bad.text)")
        #expect(try daemon.status().maxDistance == 5, "the running configuration stays")
        #expect(try daemon.status().state == "running")
        #expect(try daemon.stop() == 0)
    }
}
