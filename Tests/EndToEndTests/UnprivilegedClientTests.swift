import ControlProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// A member of the socket's group, as the kernel sees it: another uid, through setpriv. Needs
/// root (CI is) and setpriv (util-linux).
enum OtherUser {
    static let uid = 65534, gid = 65534  // nobody, nogroup
    /// Debian's Python: the one on root's PATH may live where another user cannot read it.
    static let python3 = "/usr/bin/python3"
    static let available = geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
        && FileManager.default.isExecutableFile(atPath: python3)

    /// A copy of `file` in `workspace` that the other user can read and run: the checkout (and
    /// so the built binaries) may be in a directory only root can enter, as `mktemp -d` makes.
    static func copy(_ file: String, into workspace: Workspace) throws -> String {
        let target = workspace.root.appendingPathComponent(URL(fileURLWithPath: file).lastPathComponent).path
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: file, toPath: target)
        chmod(target, 0o755)
        return target
    }

    /// Runs a Python script as the other user in the background; its stdout goes to `output`.
    static func python(_ script: String, output: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid", "\(uid)", "--regid", "\(gid)", "--clear-groups", python3, "-c", script]
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = process.standardOutput
        try process.run()
        return process
    }
}

/// Issue 14, items 6 and 7: a read-only member of the socket's group could cut root off the
/// control socket (two exports never read held both request threads; 1,100 idle connections
/// took the daemon's descriptors from ingest).
@Suite(.serialized, .enabled(if: OtherUser.available, "needs root, setpriv and /usr/bin/python3 to act as another user"))
struct UnprivilegedClientTests {
    func workspace() throws -> Workspace {
        let workspace = try Workspace()
        chmod(workspace.root.path, 0o755)
        return workspace
    }

    @Test func exportsNeverReadCannotHoldRootOut() throws {
        let workspace = try workspace()
        var factory = try ArticleFactory(seed: 6)
        for index in 0..<300 { try workspace.drop("x-\(index).txt", factory.article()) }
        let config = workspace.root.appendingPathComponent("c.yaml")
        try Data("socket_group: nogroup\ncontrol_idle_timeout: 3\n".utf8).write(to: config)
        let daemon = try RunningDaemon(workspace, extra: ["--config", config.path])
        try daemon.waitForProcessed(300, timeout: 60)

        // Two connections of the group's, each asking for the whole feed (about 1.5 MB with the
        // texts) and never reading a byte of it.
        let script = """
            import socket, time
            held = []
            for _ in range(2):
                s = socket.socket(socket.AF_UNIX); s.connect("\(workspace.socket)")
                s.sendall(b'{"version":1,"command":"export"}\\n'); held.append(s)
            print("sent", flush=True)
            time.sleep(30)
            """
        let output = workspace.root.appendingPathComponent("slow.out")
        let slow = try OtherUser.python(script, output: output)
        defer { slow.terminate() }
        try waitFor("the slow readers to send") { (try? String(contentsOf: output, encoding: .utf8))?.contains("sent") == true }
        usleep(500_000)
        let status = try run(Binaries.ctl, ["--socket", workspace.socket, "status"], timeout: 10)
        #expect(status.status == 0, "root's status gets through: \(status.stderr)")
        let pause = try run(Binaries.ctl, ["--socket", workspace.socket, "pause"], timeout: 10)
        #expect(pause.status == 0, "\(pause.stderr)")
        #expect(try daemon.status().state == .paused)
        // The readers are cut off after control_idle_timeout: the group's own lane is free again.
        let ctl = try OtherUser.copy(Binaries.ctl, into: workspace)
        try waitFor("the group's lane to be free again", timeout: 30) {
            try run("/usr/bin/setpriv", ["--reuid", "\(OtherUser.uid)", "--regid", "\(OtherUser.gid)", "--clear-groups",
                                         ctl, "--socket", workspace.socket, "status"], timeout: 10).status == 0
        }
        #expect(try daemon.stop() == 0)
    }

    @Test func idleConnectionsCannotStarveIngestOfDescriptors() throws {
        let workspace = try workspace()
        let config = workspace.root.appendingPathComponent("c.yaml")
        try Data("socket_group: nogroup\n".utf8).write(to: config)
        // systemd's default: a soft and a hard limit of 1024 here, so raising cannot help.
        let process = Process()
        configure(process, workspace, extra: ["--config", config.path])
        let arguments = ["--nofile=1024:1024", Binaries.daemon] + (process.arguments ?? [])
        let daemon = try RunningDaemon(workspace, executable: "/usr/bin/prlimit", arguments: arguments)

        let script = """
            import socket, time
            held, refused = [], 0
            for _ in range(1100):
                try:
                    s = socket.socket(socket.AF_UNIX); s.connect("\(workspace.socket)"); held.append(s)
                except OSError:
                    refused += 1
            print("open", len(held), "refused", refused, flush=True)
            time.sleep(30)
            """
        let output = workspace.root.appendingPathComponent("idle.out")
        let idle = try OtherUser.python(script, output: output)
        defer { idle.terminate() }
        try waitFor("the idle connections") { (try? String(contentsOf: output, encoding: .utf8))?.contains("open") == true }
        try workspace.dropSeeds()
        let status = try daemon.waitForProcessed(5)
        #expect(status.articles == 5, "ingest still has descriptors")
        #expect(status.state == .running && status.lastError == nil, "\(status.lastError ?? "")")
        #expect(daemon.log.contains("control_max_connections lowered"))
        #expect(!daemon.log.contains("Too many open files"))
        #expect(try daemon.stop() == 0)
    }
}
