import Foundation
import Glibc
import TestSupport
import Testing

/// The notify protocol against a fake $NOTIFY_SOCKET, and the unit file against systemd's own
/// checks.
@Suite(.serialized) struct SystemdTests {
    @Test(arguments: ["path", "abstract"])
    func readyWatchdogAndStoppingInOrder(kind: String) throws {
        let workspace = try Workspace()
        let address = kind == "path" ? workspace.root.appendingPathComponent("notify.sock").path : "@nde-notify-\(UUID().uuidString.prefix(8))"
        let listener = NotifyListener(address: address)
        // A file left claimed by a previous run must be recovered before READY.
        try FileManager.default.createDirectory(at: workspace.dir("processing"), withIntermediateDirectories: true)
        try Seeds.bytes(Seeds.names[0]).write(to: workspace.dir("processing").appendingPathComponent("claimed.txt"))

        let daemon = try RunningDaemon(workspace, extra: ["--poll-interval", "5"],
                                       environment: ["NOTIFY_SOCKET": address, "WATCHDOG_USEC": "400000"])
        try workspace.dropSeeds()
        var messages = listener.messages(for: 1.6)
        let ready = try #require(messages.firstIndex { $0.hasPrefix("READY=1") }, "no READY=1 in \(messages)")
        #expect(messages.filter { $0.contains("READY=1") }.count == 1)
        #expect(messages[..<ready].allSatisfy { !$0.contains("WATCHDOG=1") }, "nothing before READY")
        #expect(messages[ready].contains("STATUS=running: 1 articles"), "recovery done before READY: \(messages[ready])")
        let pings = messages.filter { $0 == "WATCHDOG=1" }.count
        #expect(pings >= 4, "pinged every WATCHDOG_USEC/2 even with a 5 s poll: \(pings) in 1.6 s")
        #expect(messages.contains { $0.hasPrefix("STATUS=running: 5 articles, 1 exact") })

        kill(daemon.process.processIdentifier, SIGTERM)
        messages = listener.messages(for: 1.0)
        #expect(messages.contains { $0.hasPrefix("STOPPING=1") }, "\(messages)")
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)
    }

    /// Under systemd, standard error is the journal's stream (`$JOURNAL_STREAM` names it): lines
    /// carry their syslog priority and no timestamp, so `journalctl -p warning` filters them.
    @Test func underTheJournalLinesCarryTheirPriorityAndNoTimestamp() throws {
        let workspace = try Workspace()
        let log = workspace.root.appendingPathComponent("daemon.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        var info = stat()
        try #require(stat(log.path, &info) == 0)
        let daemon = try RunningDaemon(workspace, environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"])
        try workspace.drop("empty.txt", Data())
        try workspace.dropSeeds()
        _ = try daemon.waitForProcessed(6)
        #expect(try daemon.stop() == 0)
        let lines = daemon.log.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("<6>stored ") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("<4>quarantined ") }, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("20") }, "no line stamps itself: \(lines)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze"))
    func unitFilePassesVerifyAndExposureAtMostOnePointFive() throws {
        let unit = Seeds.directory.deletingLastPathComponent().appendingPathComponent("systemd/newsdedupd.service")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nde-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // verify wants ExecStart to exist: point it at the binary just built.
        let text = try String(contentsOf: unit, encoding: .utf8).replacingOccurrences(of: "/usr/local/bin/newsdedupd", with: Binaries.daemon)
        let copy = scratch.appendingPathComponent("newsdedupd.service")
        try text.write(to: copy, atomically: true, encoding: .utf8)

        let verify = try run("/usr/bin/systemd-analyze", ["verify", copy.path])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(!verify.stderr.contains("newsdedupd.service:"), "\(verify.stderr)")
        let security = try run("/usr/bin/systemd-analyze", ["security", "--offline=yes", copy.path])
        let line = (security.text + security.stderr).split(separator: "\n").first { $0.contains("Overall exposure level") }
        let exposure = line.flatMap { $0.split(separator: ":").last?.split(separator: " ").first }.flatMap { Double($0) }
        #expect(exposure != nil && exposure! <= 1.5, "exposure: \(line ?? "?")")
        #expect(text.contains("Type=notify") && text.contains("WatchdogSec="))
    }

    /// The daemon as its unit runs it: an unprivileged user, its own network and mount
    /// namespaces, and the unit's system-call filter applied through libseccomp
    /// (`scripts/unit_syscall_filter.py` reads it from the shipped unit file), with
    /// `socket_group` set to a group the user is a member of (as `SupplementaryGroups=` makes
    /// it). Without `SystemCallErrorNumber=` the thread pool's first `setpriority` killed it with
    /// SIGSYS before it was ready; with `~@privileged` and nothing back, giving the socket its
    /// group failed and the daemon exited. A second writer on the same store from the host's
    /// network namespace is refused: the writer lock was an abstract socket, per namespace.
    @Test(.enabled(if: UnitRun.available, "needs root, unshare, setpriv, systemd-analyze and python3-seccomp"))
    func theDaemonRunsUnderItsUnitsFilterAsAnUnprivilegedUser() throws {
        let workspace = try Workspace()
        try workspace.dropSeeds()
        let readers = UnitRun.readersGroup
        let daemon = try UnitRun.start(workspace, readers: readers, environment: ["NEWSDEDUP_SOCKET_GROUP": "\(readers)"])
        let status = try daemon.waitForProcessed(5)
        #expect(status.articles == 5 && status.state == .running)
        var info = stat()
        #expect(stat(workspace.socket, &info) == 0 && info.st_gid == readers, "the socket's group is \(info.st_gid), not \(readers)")

        let other = workspace.root.appendingPathComponent("other")
        let second = try run(Binaries.daemon, ["--once", "--inbox", other.appendingPathComponent("inbox").path, "--store", workspace.store,
                                               "--socket", other.appendingPathComponent("c.sock").path])
        #expect(second.status != 0 && second.stderr.contains("another newsdedupd is writing"), "\(second.status): \(second.stderr)")
        #expect(try daemon.stop() == 0, "\(daemon.log)")
    }
}

enum UnitRun {
    static let available = OtherUser.available
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")
        && (try? run(OtherUser.python3, ["-c", "import seccomp"]).status) == 0

    /// A group the daemon's user is given as a supplementary group: `adm` is on every Debian.
    static let readersGroup: gid_t = getgrnam("adm")?.pointee.gr_gid ?? 4

    /// Starts `newsdedupd` on `workspace` as its unit runs it: as an unprivileged user (with
    /// `readers` as its supplementary group, as `SupplementaryGroups=` gives it, or none), in
    /// new network and mount namespaces, under the unit's system-call filter. It runs copies
    /// of the unit, the filter script and the binary that the other user can read: the
    /// checkout may be where only root can enter.
    static func start(_ workspace: Workspace, readers: gid_t?, environment: [String: String] = [:]) throws -> RunningDaemon {
        chmod(workspace.root.path, 0o755)
        let project = Seeds.directory.deletingLastPathComponent()
        let unit = try OtherUser.copy(project.appendingPathComponent("systemd/newsdedupd.service").path, into: workspace)
        let filter = try OtherUser.copy(project.appendingPathComponent("scripts/unit_syscall_filter.py").path, into: workspace)
        let daemonBinary = try OtherUser.copy(Binaries.daemon, into: workspace)
        _ = try run("/bin/chown", ["-R", "\(OtherUser.uid):\(OtherUser.gid)", workspace.root.path])
        let process = Process()
        configure(process, workspace)
        let groups = readers.map { ["--groups", "\($0)"] } ?? ["--clear-groups"]
        let arguments = ["-n", "-m", "--", "/usr/bin/setpriv", "--reuid", "\(OtherUser.uid)", "--regid", "\(OtherUser.gid)"] + groups
            + [OtherUser.python3, filter, unit, daemonBinary] + (process.arguments ?? [])
        return try RunningDaemon(workspace, environment: environment, executable: "/usr/bin/unshare", arguments: arguments)
    }
}
