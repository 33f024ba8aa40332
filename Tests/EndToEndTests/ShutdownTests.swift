import ArticleStore
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.serialized) struct ShutdownTests {
    /// An idle client on the control socket must not keep the daemon from stopping.
    @Test func sigtermWithAnIdleControlConnectionExitsPromptly() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        let fd = RawSocket.connect(workspace.socket)
        defer { close(fd) }
        #expect(fd >= 0)
        // Stopping must not wait for the idle client: it would wait for control_idle_timeout
        // (60 s) or the service group's limit (30 s) and be killed, not exit 0.
        let status = try daemon.stop(SIGTERM, timeout: 25)
        #expect(status == 0, "exit \(status); log:\n\(daemon.log.suffix(3000))")
    }

    /// SIGTERM in the middle of a large backlog: the daemon stops claiming, finishes the batch
    /// in hand and exits 0 (within the service group's limit, else it would be killed); every
    /// file is then either committed and moved, or untouched. How far it got is printed, not
    /// asserted: that depends on the machine's speed.
    @Test func sigtermDuringABacklogStopsSoonAndLosesNothing() throws {
        let workspace = try Workspace()
        var factory = try ArticleFactory(seed: 21)
        let count = 1500
        for index in 0..<count { try workspace.drop(String(format: "b-%05d.txt", index), factory.article()) }
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_MIN_FILE_AGE": "0", "NEWSDEDUP_BATCH_SIZE": "50"])
        try daemon.waitForProcessed(1)
        let start = Date()
        #expect(try daemon.stop(SIGTERM, timeout: 25) == 0)
        let took = Date().timeIntervalSince(start)

        let store = try Store(path: workspace.store)
        defer { try? store.close() }
        let committed = Set(try store.feed(since: 0, limit: Int.max).map(\.source))
        #expect(Set(workspace.filesBelow("processed")) == committed)
        #expect(workspace.filesBelow("processing").isEmpty, "the batch in hand was finished")
        #expect(committed.count + workspace.files(in: "inbox").count == count)
        print("backlog shutdown: \(committed.count) of \(count) committed before SIGTERM took effect, in \(String(format: "%.2f", took)) s")
    }

    @Test func theExcludeGlobIsNeverTouched() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_EXCLUDE": "*.incoming"])
        try workspace.drop("story.incoming", try Seeds.bytes(Seeds.names[0]))
        try workspace.drop("story.txt", try Seeds.bytes(Seeds.names[1]))
        try daemon.waitForProcessed(1)
        usleep(600_000)
        #expect(try daemon.status().articles == 1)
        #expect(workspace.files(in: "inbox") == ["story.incoming"])
        #expect(try daemon.stop() == 0)
    }
}
