import ControlProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// Several `newsdedupd` processes, each with its own inbox and spool, on one PostgreSQL
/// database (issue 19): one verdict, one feed, and nothing lost or stored twice when a daemon
/// is killed or the server crashes.
@Suite(.serialized, .enabled(if: PostgresCluster.available, "needs root and Debian's postgresql (scripts/setup.sh --test)"))
struct SharedStoreTests {
    /// Stories as syndication spreads them: the original, an identical copy, an update on top,
    /// a cut. Names say the story, so a test knows which article each copy belongs to.
    static func stories(_ count: Int, seed: UInt64, prefix: String = "s") throws -> [(name: String, bytes: Data)] {
        var factory = try ArticleFactory(seed: seed)
        return (0..<count).flatMap { story -> [(name: String, bytes: Data)] in
            let original = factory.article()
            let lines = String(decoding: original, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            return [
                ("\(prefix)\(story)-original.txt", original),
                ("\(prefix)\(story)-copy.txt", original),
                ("\(prefix)\(story)-updated.txt", Data(("Updated at noon.\n" + lines.joined(separator: "\n")).utf8)),
                ("\(prefix)\(story)-cut.txt", Data(lines.dropLast(2).joined(separator: "\n").utf8)),
            ]
        }
    }

    /// Writes each file under a dotfile name in `workspace`'s inbox; `release` renames them all
    /// into place at once.
    static func stage(_ files: [(name: String, bytes: Data)], in workspace: Workspace) throws -> [(String, String)] {
        try files.map { file in
            let temporary = workspace.inbox.appendingPathComponent(".\(file.name).tmp").path
            try file.bytes.write(to: URL(fileURLWithPath: temporary))
            return (temporary, workspace.inbox.appendingPathComponent(file.name).path)
        }
    }

    static func export(_ workspace: Workspace) throws -> [ExportRecord] {
        let result = try ctl(workspace, "export")
        #expect(result.status == 0, "export: \(result.stderr)\n\((try? String(contentsOf: workspace.root.appendingPathComponent("daemon.log"), encoding: .utf8)) ?? "")")
        return try result.text.split(separator: "\n").map { try JSONDecoder().decode(ExportRecord.self, from: Data($0.utf8)) }
    }

    /// Waits until the shared store holds `count` items (any daemon's status shows them all).
    static func waitForItems(_ count: Int64, through workspace: Workspace, timeout: Double = 120) throws {
        var last: StatusReport?
        do {
            try waitFor("\(count) items in the shared store", timeout: timeout) {
                let result = try ctl(workspace, "status", "--json")
                guard result.status == 0 else { return false }
                last = try? JSONDecoder().decode(StatusReport.self, from: result.stdout)
                guard let status = last else { return false }
                return status.articles + status.exactDuplicates + status.nearDuplicates >= count
            }
        } catch {
            throw Timeout(description: "\(error); last status: \(last.map { "\($0)" } ?? "none")")
        }
    }

    /// The issue's test: the same clusters of near copies dropped into three daemons' inboxes at
    /// the same moment give exactly one article per story, every other copy a duplicate of it,
    /// and the feed read through each daemon is the same, gapless feed; every item's bytes come
    /// back through a daemon that did not receive them.
    @Test func threeDaemonsGiveOneVerdictAndOneFeed() throws {
        let cluster = try PostgresCluster()
        let workspaces = try (0..<3).map { _ in try Workspace() }
        for workspace in workspaces { workspace.store = cluster.uri }
        // A password in the URI (the test cluster trusts its users and ignores it) is never shown.
        workspaces[2].store = cluster.uri.replacingOccurrences(of: "newsdedup@", with: "newsdedup:s3cret@")
        let daemons = try workspaces.map { try RunningDaemon($0) }
        let status = try ctl(workspaces[2], "status").text
        #expect(status.contains("newsdedup:***@") && !status.contains("s3cret"), "\(status)")
        #expect(!status.contains("store on disk:    0 bytes"), "the database's size: \(status)")
        let files = try Self.stories(20, seed: 1919)
        // Every daemon gets every file, each in its own order; all renamed into place together.
        var staged: [(String, String)] = []
        for (number, workspace) in workspaces.enumerated() {
            var rng = SeededGenerator(seed: UInt64(number + 7))
            staged += try Self.stage(files.shuffled(using: &rng), in: workspace)
        }
        var rng = SeededGenerator(seed: 3)
        for (from, to) in staged.shuffled(using: &rng) { #expect(rename(from, to) == 0) }
        let total = Int64(3 * files.count)
        try Self.waitForItems(total, through: workspaces[2])

        let feeds = try workspaces.map { try Self.export($0) }
        #expect(feeds[0].map(\.seq) == Array(1...total), "gapless, in commit order")
        #expect(feeds[1] == feeds[0] && feeds[2] == feeds[0], "every daemon's feed is the same feed")
        let articles = feeds[0].filter { $0.kind == .article }
        #expect(articles.count == 20, "one article per story: \(articles.map(\.source))")
        let articleOf = Dictionary(articles.map { ($0.source.split(separator: "-")[0], $0.id) }, uniquingKeysWith: { first, _ in first })
        for record in feeds[0] where record.kind == .duplicate {
            #expect(record.duplicateOf == articleOf[record.source.split(separator: "-")[0]], "\(record.source) → \(record.duplicateOf ?? 0)")
        }
        // Each item's bytes, through a daemon chosen regardless of who received it.
        let bytes = Dictionary(files.map { ($0.name, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        for record in feeds[0] {
            let shown = try ctl(workspaces[Int(record.seq % 3)], "show", "\(record.id)")
            #expect(shown.status == 0 && shown.stdout == bytes[record.source], "show \(record.id) (\(record.source))")
        }
        let check = try ctl(workspaces[1], "check")
        #expect(check.status == 0, "check: \(check.text) \(check.stderr)")
        for (workspace, daemon) in zip(workspaces, daemons) {
            #expect(workspace.files(in: "inbox").isEmpty)
            #expect(workspace.filesBelow("processed").count == files.count, "every file archived by the daemon that took it")
            #expect(try daemon.stop() == 0)
        }
    }

    /// kill -9 of one daemon at random moments while all three ingest, round after round, the
    /// killed one started again each time: every dropped file is in the feed exactly once, the
    /// others never stopped.
    @Test func killingOneDaemonMidBatchLosesNothingAndStoresNothingTwice() throws {
        let cluster = try PostgresCluster()
        let workspaces = try (0..<3).map { _ in try Workspace() }
        for workspace in workspaces { workspace.store = cluster.uri }
        var daemons = try workspaces.map { try RunningDaemon($0, extra: ["--max-distance", "7"]) }
        var factory = try ArticleFactory(seed: 4242)
        var dropped: [String] = []
        var rng = SeededGenerator(seed: 99)
        var kills = 0
        for round in 0..<6 {
            // Each daemon: new stories and copies of stories the others receive this round.
            let shared = (0..<20).map { _ in factory.article() }
            var staged: [(String, String)] = []
            for (number, workspace) in workspaces.enumerated() {
                var files = (0..<40).map { ("d\(number)-r\(round)-new\($0).txt", factory.article()) }
                files += shared.enumerated().map { ("d\(number)-r\(round)-shared\($0.offset).txt", $0.element) }
                staged += try Self.stage(files, in: workspace)
                dropped += files.map(\.0)
            }
            for (from, to) in staged { #expect(rename(from, to) == 0) }
            // Somewhere in the round's batches, daemon 0 dies without a word.
            usleep(useconds_t(20_000 + rng.next() % 300_000))
            if daemons[0].process.isRunning {
                kill(daemons[0].process.processIdentifier, SIGKILL)
                daemons[0].process.waitUntilExit()
                kills += 1
            }
            daemons[0] = try RunningDaemon(workspaces[0], extra: ["--max-distance", "7"])
        }
        try Self.waitForItems(Int64(dropped.count), through: workspaces[1], timeout: 180)
        let feed = try Self.export(workspaces[2])
        #expect(kills == 6)
        #expect(feed.map(\.seq) == feed.indices.map { Int64($0) + 1 }, "gapless")
        let sources = feed.map(\.source)
        #expect(sources.count == dropped.count, "\(sources.count) items for \(dropped.count) files")
        #expect(Set(sources) == Set(dropped), "nothing lost")
        #expect(Set(sources).count == sources.count, "nothing stored twice")
        // The shared copies: one article each round, whoever took the lock first.
        for round in 0..<6 {
            for copy in 0..<20 {
                let kinds = feed.filter { $0.source.hasSuffix("-r\(round)-shared\(copy).txt") }.map(\.kind)
                #expect(kinds.filter { $0 == .article }.count == 1, "round \(round) copy \(copy): \(kinds)")
            }
        }
        for workspace in workspaces {
            #expect(workspace.files(in: "inbox").isEmpty)
            #expect(workspace.files(in: "processing").isEmpty)
        }
        let check = try ctl(workspaces[0], "check")
        #expect(check.status == 0, "check: \(check.text) \(check.stderr)")
        for daemon in daemons { #expect(try daemon.stop() == 0) }
    }

    /// The server crashes (`pg_ctl stop -m immediate`) while files arrive: every daemon goes
    /// degraded and keeps its files; the server comes back and every daemon resumes by itself;
    /// nothing lost, nothing twice.
    @Test func aServerCrashDegradesTheDaemonsAndTheyResumeByThemselves() throws {
        let cluster = try PostgresCluster()
        let workspaces = try (0..<3).map { _ in try Workspace() }
        for workspace in workspaces { workspace.store = cluster.uri }
        let daemons = try workspaces.map { try RunningDaemon($0) }
        var factory = try ArticleFactory(seed: 777)
        var dropped: [String] = []
        func drop(_ label: String) throws {
            var staged: [(String, String)] = []
            for (number, workspace) in workspaces.enumerated() {
                let files = (0..<60).map { ("d\(number)-\(label)\($0).txt", factory.article()) }
                staged += try Self.stage(files, in: workspace)
                dropped += files.map(\.0)
            }
            for (from, to) in staged { #expect(rename(from, to) == 0) }
        }
        try drop("before")
        usleep(150_000)
        try cluster.crash()
        try drop("during")
        for workspace in workspaces {
            try waitFor("a daemon to say the store is failing", timeout: 60) {
                let result = try ctl(workspace, "status", "--json")
                guard result.status == 0, let status = try? JSONDecoder().decode(StatusReport.self, from: result.stdout) else { return false }
                return status.state == .degraded && status.lastError?.contains("PostgreSQL") == true
            }
        }
        #expect(workspaces.allSatisfy { !$0.files(in: "inbox").isEmpty || !$0.filesBelow("processing").isEmpty },
                "files wait while the server is down")
        try cluster.restart()
        try Self.waitForItems(Int64(dropped.count), through: workspaces[0], timeout: 180)
        for workspace in workspaces {
            try waitFor("the daemon to run again", timeout: 60) {
                let result = try ctl(workspace, "status", "--json")
                return result.status == 0 && (try? JSONDecoder().decode(StatusReport.self, from: result.stdout))?.state == .running
            }
        }
        let feed = try Self.export(workspaces[1])
        #expect(feed.map(\.seq) == feed.indices.map { Int64($0) + 1 }, "gapless")
        #expect(feed.count == dropped.count && Set(feed.map(\.source)) == Set(dropped), "nothing lost, nothing twice")
        for (workspace, daemon) in zip(workspaces, daemons) {
            try waitFor("the inbox and processing/ to empty") {
                workspace.files(in: "inbox").isEmpty && workspace.files(in: "processing").isEmpty
            }
            #expect(daemon.log.contains("resuming"), "the daemon said it resumed")
            #expect(try daemon.stop() == 0)
        }
    }

    /// A spool used with one database never begins an empty store in another unasked (a wrong
    /// database name, a server restored empty): the daemon refuses in a sentence and creates
    /// nothing; `--init` says to begin one.
    @Test func aSpoolNeverBeginsAnEmptyDatabaseUnasked() throws {
        let first = try PostgresCluster()
        let workspace = try Workspace()
        try workspace.dropSeeds()
        let once = { (store: String, extra: [String]) throws -> Run in
            try run(Binaries.daemon, ["--once", "--inbox", workspace.inbox.path, "--store", store] + extra)
        }
        #expect(try once(first.uri, []).status == 0)
        let second = try PostgresCluster()
        let refused = try once(second.uri, [])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("holds no newsdedup store, but this spool was used with store"), "\(refused.stderr)")
        #expect(try once(second.uri, []).status == 1, "still refused: nothing was created the first time")
        try workspace.drop("late.txt", Data("A story that arrived later, for the new database.".utf8))
        let begun = try once(second.uri, ["--init"])
        #expect(begun.status == 0, "\(begun.stderr)")
        #expect(begun.text.contains("1 stored"), "\(begun.text)")
        // Back to the first database: its identity is not the spool's any more.
        let other = try once(first.uri, [])
        #expect(other.status == 1 && other.stderr.contains("but this spool was used with store"), "\(other.stderr)")
    }

    /// Moving from one machine: `--copy-store` copies a SQLite store into PostgreSQL; the same
    /// spool goes on with the copy (its marker names the same store), and its verdicts are
    /// made against the copied articles. A destination with items, or an existing file, is
    /// refused in a sentence.
    @Test func aSQLiteStoreMovesIntoPostgresAndTheSpoolGoesOn() throws {
        let cluster = try PostgresCluster()
        let workspace = try Workspace()
        try workspace.dropSeeds()
        let drained = try run(Binaries.daemon, ["--once", "--inbox", workspace.inbox.path, "--store", workspace.store])
        #expect(drained.status == 0, "\(drained.stderr)")
        let copied = try run(Binaries.daemon, ["--copy-store", workspace.store, cluster.uri])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.text.contains("copied 5 items") && copied.text.contains("the copy checks clean"), "\(copied.text)")
        let again = try run(Binaries.daemon, ["--copy-store", workspace.store, cluster.uri])
        #expect(again.status == 1 && again.stderr.contains("already holds items"), "\(again.stderr)")
        let over = try run(Binaries.daemon, ["--copy-store", cluster.uri, workspace.store])
        #expect(over.status == 1 && over.stderr.contains("exists"), "\(over.stderr)")

        try workspace.drop("syndicated.txt", try Seeds.bytes(Seeds.names[2]))
        let moved = try run(Binaries.daemon, ["--once", "--inbox", workspace.inbox.path, "--store", cluster.uri])
        #expect(moved.status == 0, "the spool's marker names the copied store: \(moved.stderr)")
        #expect(moved.text.contains("1 exact duplicates"), "\(moved.text)")
        // And back, into a new SQLite file: the same feed as the daemon on PostgreSQL gives.
        let back = workspace.dir("back.sqlite").path
        #expect(try run(Binaries.daemon, ["--copy-store", cluster.uri, back]).status == 0)
        workspace.store = cluster.uri
        let daemon = try RunningDaemon(workspace)
        let shared = try Self.export(workspace)
        #expect(try daemon.stop() == 0)
        workspace.store = back
        let local = try RunningDaemon(workspace)
        #expect(try Self.export(workspace) == shared)
        #expect(shared.count == 6 && shared.last?.duplicateOf == 3)
        #expect(try local.stop() == 0)
    }

    /// A daemon on another host, reaching the server over a veth pair from its own network
    /// namespace, has its link cut while it holds the global lock (long articles, so its
    /// transactions hold it long enough to be caught at it). The server ends its session once it
    /// sits idle in its transaction past the timeout, which frees the lock: the other daemon
    /// commits while the link is still down. The link back, the cut-off daemon resumes by
    /// itself; every file is in the feed once.
    @Test(.enabled(if: NetworkNamespaces.available, "needs ip (iproute2) and the right to make network namespaces and veth pairs"))
    func aDaemonCutOffHoldingTheLockHoldsUpTheOthersOnlyUntilTheTimeout() throws {
        let tag = String(UUID().uuidString.prefix(6)).lowercased()
        let (namespace, host, peer) = ("nd-\(tag)", "ndh\(tag)", "ndc\(tag)")
        let subnet = "10.\(100 + Int.random(in: 0..<100)).\(Int.random(in: 0..<250))"
        func sh(_ command: String) throws {
            let result = try run("/bin/sh", ["-c", command])
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        try sh("ip netns add \(namespace) && ip link add \(host) type veth peer name \(peer) && ip link set \(peer) netns \(namespace)"
            + " && ip addr add \(subnet).1/24 dev \(host) && ip link set \(host) up"
            + " && ip netns exec \(namespace) ip addr add \(subnet).2/24 dev \(peer)"
            + " && ip netns exec \(namespace) ip link set \(peer) up && ip netns exec \(namespace) ip link set lo up")
        defer {
            _ = try? run("/bin/sh", ["-c", "ip link del \(host); ip netns del \(namespace)"])
        }
        let cluster = try PostgresCluster(listen: "\(subnet).1")
        let remote = try Workspace(), local = try Workspace()
        remote.store = "postgresql://newsdedup@\(subnet).1:5432/newsdedup"
        local.store = cluster.uri
        let far = try RunningDaemon(remote, executable: "/usr/sbin/ip", arguments: [
            "netns", "exec", namespace, Binaries.daemon, "--inbox", remote.inbox.path, "--store", remote.store,
            "--socket", remote.socket, "--poll-interval", "0.2",
        ])
        let near = try RunningDaemon(local)
        let psql = { (query: String) throws -> String in
            try run("/usr/bin/psql", [cluster.uri, "-Atc", query]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let holding = """
            SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE l.locktype = 'advisory' AND l.granted AND l.objid = \(UInt32(truncatingIfNeeded: 0x6E65_7773_6465_6475 as Int64))
              AND a.client_addr = '\(subnet).2'
            """
        var factory = try ArticleFactory(seed: 808)
        var dropped: [String] = []
        func drop(_ count: Int, into workspace: Workspace, _ label: String, length: Int = 1) throws {
            let files = (0..<count).map { index in ("\(label)-\(index).txt", (0..<length).reduce(into: Data()) { text, _ in text += factory.article() }) }
            for (from, to) in try Self.stage(files, in: workspace) { #expect(rename(from, to) == 0) }
            dropped += files.map(\.0)
        }
        // Keep the far daemon busy; cut its link the moment it is seen holding the lock, until a
        // cut lands while it still holds it (a transaction may end between the look and the cut).
        var caught = false
        for round in 0..<20 where !caught {
            try drop(150, into: remote, "far\(round)", length: 12)
            try waitFor("the far daemon to hold the global lock", timeout: 60) { try psql(holding) == "1" }
            try sh("ip link set \(host) down")
            caught = try psql(holding) == "1"
            if !caught { try sh("ip link set \(host) up") }
        }
        #expect(caught, "cut while holding the lock")
        try drop(3, into: local, "near")
        // The near daemon commits its files while the far one is still cut off.
        try waitFor("the near daemon to commit while the far one is cut off", timeout: 60) {
            let feed = try Self.export(local)
            return feed.filter { $0.source.hasPrefix("near-") }.count == 3
        }
        let log = (try? String(contentsOfFile: cluster.directory + "/server.log", encoding: .utf8)) ?? ""
        #expect(log.contains("idle-in-transaction timeout"), "the server ended the far daemon's session: \(log.suffix(2000))")
        #expect(try psql(holding) == "0")
        // The link back: the far daemon resumes by itself and nothing is lost or doubled.
        try sh("ip link set \(host) up")
        do {
            try Self.waitForItems(Int64(dropped.count), through: local, timeout: 150)
        } catch {
            let status = try? ctl(remote, "status")
            Issue.record("the far daemon did not resume: \(status?.text ?? "no status") \(far.log.suffix(3000))")
            throw error
        }
        let feed = try Self.export(local)
        #expect(feed.count == dropped.count && Set(feed.map(\.source)) == Set(dropped), "every file once")
        try waitFor("the far daemon's inbox and processing/ to empty", timeout: 60) {
            remote.files(in: "inbox").isEmpty && remote.files(in: "processing").isEmpty
        }
        #expect(try near.stop() == 0)
        #expect(try far.stop() == 0)
    }

    /// The shipped unit has no network: a PostgreSQL store on the server's Unix socket works
    /// under it as it is (an unprivileged user, its own network and mount namespaces, the unit's
    /// system-call filter through libseccomp, as `theDaemonRunsUnderItsUnitsFilterAsAnUnprivilegedUser`).
    @Test(.enabled(if: UnitRun.available, "needs root, unshare, setpriv, systemd-analyze and python3-seccomp"))
    func aSocketStoreWorksUnderTheUnitsSandbox() throws {
        let cluster = try PostgresCluster()
        let workspace = try Workspace()
        workspace.store = cluster.uri
        try workspace.dropSeeds()
        let daemon = try UnitRun.start(workspace, readers: nil)
        let status = try daemon.waitForProcessed(5)
        #expect(status.articles == 5 && status.state == .running, "\(daemon.log)")
        #expect(try daemon.stop() == 0, "\(daemon.log)")
    }
}

/// Whether this machine lets a test make a network namespace and a veth pair (root, iproute2,
/// and a kernel or container that allows it).
enum NetworkNamespaces {
    static let available: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else { return false }
        let name = "ndprobe\(getpid())"
        let made = (try? run("/bin/sh", ["-c", "ip netns add \(name) && ip link add \(name)a type veth peer name \(name)b"]))?.status == 0
        _ = try? run("/bin/sh", ["-c", "ip link del \(name)a; ip netns del \(name)"])
        return made
    }()
}
