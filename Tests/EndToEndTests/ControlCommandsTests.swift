@testable import ArticleStore
import ControlProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// Every control command through the real `newsdedupctl` against a real daemon.
@Suite(.serialized) struct ControlCommandsTests {
    /// Seeds, an exact copy and a lightly edited copy of seed 000, processed.
    func populated() throws -> (Workspace, RunningDaemon) {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        try workspace.dropSeeds()
        try workspace.drop("copy.txt", try Seeds.bytes(Seeds.names[0]))
        try workspace.drop("edited.txt", try Seeds.editedFirst())
        try daemon.waitForProcessed(7)
        return (workspace, daemon)
    }

    func jsonLines<T: Decodable>(_ run: Run, as type: T.Type) throws -> [T] {
        try run.text.split(separator: "\n").map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    @Test func similarListsNearestFirstAndDuplicatesListsTheCopies() throws {
        let (workspace, daemon) = try populated()
        let seedPath = Seeds.directory.appendingPathComponent(Seeds.names[0]).path
        let exact = try jsonLines(try ctl(workspace, "similar", seedPath, "--json"), as: MatchRecord.self)
        #expect(exact.map(\.id) == [1])
        #expect(exact.first?.exact == true && exact.first?.distance == 0)

        let editedFile = workspace.root.appendingPathComponent("probe.txt")
        try Seeds.editedFirst().write(to: editedFile)
        let near = try jsonLines(try ctl(workspace, "similar", editedFile.path, "--json"), as: MatchRecord.self)
        #expect(near.map(\.id) == [1])
        #expect(near.first?.exact == false && (1...7).contains(near.first?.distance ?? -1))
        #expect(try ctl(workspace, "similar", editedFile.path).text.contains("000_4360acfb55c60055.txt"))

        let unrelated = workspace.root.appendingPathComponent("other.txt")
        var factory = try ArticleFactory(seed: 99)
        try factory.article().write(to: unrelated)
        #expect(try ctl(workspace, "similar", unrelated.path).text.hasPrefix("no stored article near"))
        #expect(try daemon.status().articles == 5, "similar stores nothing")

        let shown = try JSONDecoder().decode(ItemReply.self, from: try ctl(workspace, "show", "1", "--json").stdout)
        #expect(shown.body == (try Seeds.bytes(Seeds.names[0])))
        #expect(shown.source == Seeds.names[0])

        let duplicates = try jsonLines(try ctl(workspace, "duplicates", "1", "--json"), as: DuplicateReply.self)
        #expect(duplicates.map(\.kind) == [.exact, .near])
        #expect(duplicates.map(\.source) == ["copy.txt", "edited.txt"])
        #expect(try ctl(workspace, "duplicates", "2").text.contains("no duplicates"))
        #expect(try ctl(workspace, "duplicates", "99").status == 1)
        #expect(try daemon.stop() == 0)
    }

    @Test func checkFindsProblemsAndBackupIsAConsistentCopy() throws {
        let (workspace, daemon) = try populated()
        let check = try ctl(workspace, "check", "--json")
        #expect(check.status == 0)
        #expect(try JSONDecoder().decode(CheckReport.self, from: check.stdout).ok)

        let backupPath = workspace.root.appendingPathComponent("backup.sqlite").path
        let backup = try ctl(workspace, "backup", backupPath)
        #expect(backup.status == 0, "\(backup.stderr)")
        let copy = try Store(path: backupPath)
        #expect(try copy.integrityCheck() == ["ok"])
        #expect(try copy.totals().articles == 5)
        #expect(try copy.feed(since: 0, limit: 100).count == 7)
        try copy.close()
        let again = try ctl(workspace, "backup", backupPath)
        #expect(again.status == 1)
        #expect(again.stderr.contains("8003"))
        // A path that cannot be created is the file system's failure (8005), not the store's.
        let nowhere = try ctl(workspace, "backup", workspace.root.appendingPathComponent("no/such/dir/b.sqlite").path)
        #expect(nowhere.status == 1)
        #expect(nowhere.stderr.contains("error 8005: cannot create") && nowhere.stderr.contains("No such file or directory"),
                "\(nowhere.stderr)")

        // Break the store behind the daemon's back: a feed record removed.
        let store = try Store(path: workspace.store)
        try store.pool.write { db in try db.execute(sql: "UPDATE item SET seq = NULL WHERE seq = 3") }
        try store.close()
        let broken = try ctl(workspace, "check")
        #expect(broken.status == 2)
        #expect(broken.text.contains("gaps"))
        #expect(try daemon.stop() == 0)
    }

    @Test func pauseStopsClaimingAndResumeAndRescanStartIt() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace, extra: ["--poll-interval", "30"])
        let paused = try JSONDecoder().decode(Response.self, from: try ctl(workspace, "pause", "--json").stdout)
        #expect(paused == .done("paused: no new files are claimed until resume"))
        #expect(try daemon.status().state == .paused)
        try workspace.drop("a.txt", try Seeds.bytes(Seeds.names[0]))
        usleep(800_000)
        #expect(workspace.files(in: "inbox") == ["a.txt"], "nothing is claimed while paused")
        #expect(try ctl(workspace, "resume").text == "resumed\n")
        try daemon.waitForProcessed(1, timeout: 5)

        // With a 30 s poll, a file written in place is only seen that soon through rescan.
        try Seeds.bytes(Seeds.names[1]).write(to: workspace.inbox.appendingPathComponent(".b.tmp"))
        #expect(rename(workspace.inbox.appendingPathComponent(".b.tmp").path, workspace.dir("b.txt").path) == 0)
        #expect(link(workspace.dir("b.txt").path, workspace.inbox.appendingPathComponent("b.txt").path) == 0)
        #expect(unlink(workspace.dir("b.txt").path) == 0)
        usleep(1_500_000)
        #expect(try ctl(workspace, "rescan").text.contains("rescanning"))
        try daemon.waitForProcessed(2, timeout: 5)
        #expect(try daemon.stop() == 0)
    }

    @Test func quarantineListShowsReasonsAndRetryBringsAFixedFileBack() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        try workspace.drop("latin1.txt", Data("caf".utf8) + Data([0xE9]))
        try daemon.waitForProcessed(1)
        let listed = try jsonLines(try ctl(workspace, "quarantine", "list", "--json"), as: QuarantineEntry.self)
        #expect(listed.map(\.name) == ["latin1.txt"])
        #expect(listed.first?.reason == "invalid UTF-8 at byte offset 3")
        #expect(listed.first?.quarantinedAt?.hasSuffix("Z") == true)

        // The operator fixes the file where it lies, then retries it.
        try Data("café au lait, नमस्ते".utf8).write(to: workspace.dir("quarantine").appendingPathComponent("latin1.txt"))
        let retry = try ctl(workspace, "quarantine", "retry", "latin1.txt")
        #expect(retry.status == 0, "\(retry.stderr)")
        try daemon.waitForProcessed(2)
        #expect(try daemon.status().articles == 1)
        #expect(try ctl(workspace, "quarantine", "list").text.contains("quarantine is empty"))
        #expect(try ctl(workspace, "quarantine", "retry", "nothing.txt").status == 1)
        #expect(try daemon.stop() == 0)
    }

    @Test func metricsArePrometheusText() throws {
        let (workspace, daemon) = try populated()
        try workspace.drop("binary.txt", Data([0, 1, 2]))
        try daemon.waitForProcessed(8)
        let text = try ctl(workspace, "metrics").text
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            #expect(parts.count == 2 && Double(parts[1]) != nil, "not a sample line: \(line)")
        }
        #expect(text.contains("newsdedup_files_total{outcome=\"stored\"} 5"))
        #expect(text.contains("newsdedup_files_total{outcome=\"exact\"} 1"))
        #expect(text.contains("newsdedup_files_total{outcome=\"near\"} 1"))
        #expect(text.contains("newsdedup_quarantined_total{reason=\"binary\"} 1"))
        #expect(text.contains("# TYPE newsdedup_store_articles gauge\nnewsdedup_store_articles 5\n"))
        #expect(text.contains("# TYPE newsdedup_commit_seconds histogram"))
        #expect(text.contains("newsdedup_commit_seconds_bucket{le=\"+Inf\"}"))
        #expect(try daemon.stop() == 0)
    }

    /// A consumer that follows the feed, and restarts with --since the last seq it saw after
    /// the daemon restarts, sees every record exactly once.
    @Test func aFollowerAcrossARestartMissesAndRepeatsNothing() throws {
        let workspace = try Workspace()
        var seen: [Int64] = []
        var factory = try ArticleFactory(seed: 5)

        for phase in 0..<3 {
            let daemon = try RunningDaemon(workspace)
            let output = workspace.root.appendingPathComponent("follow-\(phase).out")
            let follower = Process()
            follower.executableURL = URL(fileURLWithPath: Binaries.ctl)
            follower.arguments = ["--socket", workspace.socket, "export", "--follow", "--since", "\(seen.last ?? 0)"]
            #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
            follower.standardOutput = try FileHandle(forWritingTo: output)
            try follower.run()
            for index in 0..<10 { try workspace.drop("p\(phase)-\(index).txt", factory.article()) }
            try daemon.waitForProcessed(Int64(10 * (phase + 1)))
            try waitFor("the follower to print phase \(phase)") {
                (try? String(contentsOf: output, encoding: .utf8))?.split(separator: "\n").count ?? 0 >= 10
            }
            #expect(try daemon.stop() == 0)
            follower.waitUntilExit()
            #expect(follower.terminationStatus == 0, "a clean daemon stop ends the follow with end")
            let records = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
                .map { try JSONDecoder().decode(ExportRecord.self, from: Data($0.utf8)) }
            seen += records.map(\.seq)
        }
        #expect(seen == Array(1...30))
    }

    /// The socket is 0660: a user outside its group cannot connect; a group member may read
    /// but not change anything.
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs root and setpriv"))
    func groupMembersMayReadOthersNothing() throws {
        let workspace = try Workspace()
        #expect(chmod(workspace.root.path, 0o755) == 0)
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_SOCKET_GROUP": "users"])
        func asNobody(group: String, _ arguments: String...) throws -> Run {
            try run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=\(group)", "--clear-groups", Binaries.ctl, "--socket", workspace.socket] + arguments)
        }
        let member = try asNobody(group: "users", "status", "--json")
        #expect(member.status == 0, "\(member.stderr)")
        let refused = try asNobody(group: "users", "pause")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("9006"))
        #expect(try daemon.status().state == .running)
        let outsider = try asNobody(group: "nogroup", "status")
        #expect(outsider.status == 1)
        #expect(outsider.stderr.contains("permission denied"))
        #expect(try ctl(workspace, "pause").status == 0, "root may")
        #expect(try daemon.stop() == 0)
    }

    /// `metrics_listen`: Prometheus scrapes the same exposition over HTTP; other paths are 404,
    /// other methods 405; a port that is taken stops the start with a sentence; a value that is
    /// not HOST:PORT is refused by --check-config.
    @Test func prometheusScrapesMetricsOverHTTP() throws {
        let workspace = try Workspace()
        let port = Int.random(in: 20_000...60_000)
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_METRICS_LISTEN": "127.0.0.1:\(port)"])
        try workspace.dropSeeds()
        _ = try daemon.waitForProcessed(5)
        let script = """
            import sys, urllib.request, urllib.error
            def get(path, method="GET"):
                request = urllib.request.Request("http://127.0.0.1:\(port)" + path, method=method)
                try:
                    with urllib.request.urlopen(request, timeout=10) as r:
                        return r.status, r.headers.get("Content-Type"), r.read().decode()
                except urllib.error.HTTPError as e:
                    return e.code, e.headers.get("Content-Type"), e.read().decode()
            status, kind, body = get("/metrics")
            print(status); print(kind); print(get("/other")[0]); print(get("/metrics", "POST")[0])
            sys.stdout.write(body)
            """
        let scraped = try run("/usr/bin/python3", ["-c", script])
        let lines = scraped.text.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count > 4, "\(scraped.stderr)")
        #expect(lines[0] == "200" && lines[1] == "text/plain; version=0.0.4; charset=utf-8", "\(lines.prefix(2))")
        #expect(lines[2] == "404" && lines[3] == "405")
        #expect(scraped.text.contains("# TYPE newsdedup_store_articles gauge\nnewsdedup_store_articles 5\n"))
        #expect(scraped.text.contains("newsdedup_files_total{outcome=\"stored\"} 5"))

        // The port is taken now: a second daemon says so and stops.
        let other = try Workspace()
        let taken = try run(Binaries.daemon, ["--inbox", other.inbox.path, "--socket", other.socket],
                            environment: ["NEWSDEDUP_METRICS_LISTEN": "127.0.0.1:\(port)"])
        #expect(taken.status != 0 && taken.stderr.contains("cannot listen on 127.0.0.1:\(port): Address already in use"), "\(taken.stderr)")
        #expect(access(other.socket, F_OK) != 0, "the refused daemon's socket stayed behind")
        #expect(try daemon.stop() == 0)

        for wrong in ["9464", "127.0.0.1:0", "::1:9464", "localhost:http"] {
            let refused = try run(Binaries.daemon, ["--inbox", other.inbox.path, "--check-config"], environment: ["NEWSDEDUP_METRICS_LISTEN": wrong])
            #expect(refused.status == 78 && refused.stderr.contains("\"metrics_listen\""), "\(wrong): \(refused.stderr)")
        }
    }


    /// A daemon that sees a directory otherwise than its client (here a tmpfs mounted over it in
    /// the daemon's own mount namespace, as `PrivateTmp=` does to /tmp) refuses to write a
    /// backup there, saying why; without a path the copy goes into backups/ beside the store,
    /// where both see it.
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root and unshare"))
    func aBackupGoesWhereTheOperatorLooksOrIsRefused() throws {
        let workspace = try Workspace()
        let hidden = workspace.root.appendingPathComponent("private")
        try FileManager.default.createDirectory(at: hidden, withIntermediateDirectories: true)
        let process = Process()
        configure(process, workspace)
        let command = ([Binaries.daemon] + (process.arguments ?? [])).map { "'\($0)'" }.joined(separator: " ")
        let daemon = try RunningDaemon(workspace, executable: "/usr/bin/unshare",
                                       arguments: ["-m", "--", "/bin/sh", "-c", "mount -t tmpfs tmpfs '\(hidden.path)' && exec \(command)"])
        try workspace.dropSeeds()
        _ = try daemon.waitForProcessed(5)

        let refused = try ctl(workspace, "backup", hidden.appendingPathComponent("b.sqlite").path)
        #expect(refused.status == 1 && refused.stderr.contains("is not the directory you see") && refused.stderr.contains("8005"),
                "\(refused.stderr)")
        let written = try ctl(workspace, "backup")
        #expect(written.status == 0, "\(written.stderr)")
        let backups = workspace.root.appendingPathComponent("backups")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: backups.path)) ?? []
        #expect(files.count == 1 && files[0].hasPrefix("store-") && files[0].hasSuffix("Z.sqlite"), "\(files)")
        #expect(written.text.contains(backups.path + "/" + (files.first ?? "?")), "\(written.text)")
        #expect(try daemon.stop() == 0)
    }

}
