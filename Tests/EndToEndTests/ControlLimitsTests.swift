import ControlProtocol
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.serialized) struct ControlLimitsTests {
    @Test func statusReportsThroughputStoreSizeAndBacklogAge() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        try workspace.dropSeeds()
        let status = try daemon.waitForProcessed(5)
        #expect(status.filesLastMinute == 5)
        #expect(status.storeSizeBytes > 0)
        #expect(status.oldestBacklogAgeSeconds == nil)

        #expect(try ctl(workspace, "pause").status == 0)
        try workspace.drop("old.txt", try Seeds.editedFirst())
        var old = [timespec(tv_sec: time(nil) - 120, tv_nsec: 0), timespec(tv_sec: time(nil) - 120, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, workspace.inbox.appendingPathComponent("old.txt").path, &old, 0) == 0)
        #expect(try ctl(workspace, "rescan").status == 0)
        try waitFor("the backlog to show") { (try daemon.status().backlog) == 1 }
        #expect((try daemon.status().oldestBacklogAgeSeconds ?? 0) >= 120)
        #expect(try daemon.stop() == 0)
    }

    @Test func silentConnectionsAreClosedButFollowersStay() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_CONTROL_IDLE_TIMEOUT": "0.5"])
        let silent = RawSocket.connect(workspace.socket)
        defer { close(silent) }
        let follower = RawSocket.connect(workspace.socket)
        defer { close(follower) }
        let request = Array("{\"version\":1,\"command\":\"export\",\"follow\":true}\n".utf8)
        #expect(send(follower, request, request.count, Int32(MSG_NOSIGNAL)) == request.count)
        usleep(1_500_000)
        var byte: UInt8 = 0
        #expect(recv(silent, &byte, 1, 0) == 0, "the silent connection was closed")
        #expect(recv(follower, &byte, 1, Int32(MSG_DONTWAIT)) == -1 && errno == EAGAIN, "the follower is still open")
        try workspace.drop("a.txt", try Seeds.bytes(Seeds.names[0]))
        #expect(recv(follower, &byte, 1, 0) == 1, "and gets the new record")
        #expect(try daemon.stop() == 0)
    }

    @Test func connectionsOverTheCapAreToldSoAndServiceGoesOn() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_CONTROL_MAX_CONNECTIONS": "3"])
        // Each held connection has had a reply, so the daemon counts all three (a pause would
        // race with a busy machine).
        let status = Array("{\"version\":1,\"command\":\"status\"}\n".utf8)
        let held = (0..<3).map { _ in
            let fd = RawSocket.connect(workspace.socket)
            _ = send(fd, status, status.count, Int32(MSG_NOSIGNAL))
            var byte: UInt8 = 0
            while recv(fd, &byte, 1, 0) == 1, byte != 0x0A {}
            return fd
        }
        let over = RawSocket.exchange(workspace.socket, [])
        #expect(over.count == 1)
        let refusal = try over.first.map { try JSONDecoder().decode(Response.self, from: $0) }
        #expect(refusal.flatMap(ErrorReply.init)?.code == .tooManyConnections)
        held.forEach { close($0) }
        usleep(200_000)
        #expect(try daemon.status().state == .running)
        #expect(try daemon.stop() == 0)
    }

    /// 500 idle control connections must not stop ingest or the operators' requests: the same
    /// number of files is ingested with none and with 500 open, and both finish. The times
    /// are printed for the record, not asserted (they depend on the machine).
    @Test func fiveHundredIdleConnectionsDoNotSlowIngest() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_MIN_FILE_AGE": "0"])
        var factory = try ArticleFactory(seed: 500)
        func ingest(_ count: Int, tag: String, already: Int64) throws -> Double {
            let staging = workspace.dir("staging-\(tag)")
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            for index in 0..<count { try factory.article().write(to: staging.appendingPathComponent("\(tag)-\(index).txt")) }
            let start = Date()
            for index in 0..<count {
                #expect(rename(staging.appendingPathComponent("\(tag)-\(index).txt").path,
                               workspace.inbox.appendingPathComponent("\(tag)-\(index).txt").path) == 0)
            }
            try daemon.waitForProcessed(already + Int64(count), timeout: 120)
            return Date().timeIntervalSince(start)
        }
        let count = 300
        let alone = try ingest(count, tag: "alone", already: 0)
        let idle = (0..<500).map { _ in RawSocket.connect(workspace.socket) }
        defer { idle.forEach { close($0) } }
        #expect(idle.allSatisfy { $0 >= 0 })
        let crowded = try ingest(count, tag: "crowded", already: Int64(count))
        let statusStart = Date()
        #expect(try daemon.status().articles == Int64(2 * count))
        let statusLatency = Date().timeIntervalSince(statusStart)
        print(String(format: "500 idle connections: %d files in %.2f s alone, %.2f s with them (ratio %.2f); status answered in %.0f ms",
                     count, alone, crowded, crowded / alone, statusLatency * 1000))
        #expect(try daemon.stop() == 0)
    }
}
