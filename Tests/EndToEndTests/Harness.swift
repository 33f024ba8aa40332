import ControlProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// Where `swift build` put the executables: beside the test bundle.
enum Binaries {
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["NEWSDEDUP_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        var candidate = Bundle.main.bundleURL
        for _ in 0..<3 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("newsdedupd").path) {
                return candidate
            }
            candidate.deleteLastPathComponent()
        }
        return Bundle.main.bundleURL
    }()

    static var daemon: String { directory.appendingPathComponent("newsdedupd").path }
    static var ctl: String { directory.appendingPathComponent("newsdedupctl").path }
}

/// A temporary work area under /tmp with a short path (socket paths are limited to 107 bytes).
final class Workspace {
    let root: URL
    var inbox: URL { root.appendingPathComponent("inbox") }
    /// The SQLite file, or a `postgresql://` URI a test sets.
    var store: String
    var socket: String { root.appendingPathComponent("c.sock").path }

    init() throws {
        root = URL(fileURLWithPath: "/tmp/nde-\(UUID().uuidString.prefix(8))")
        store = root.appendingPathComponent("store.sqlite").path
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func dir(_ name: String) -> URL { root.appendingPathComponent(name) }

    /// Drops a file the way producers should: write under a temporary name, then rename.
    func drop(_ name: String, _ data: Data) throws {
        let temporary = inbox.appendingPathComponent(".\(name).tmp")
        try data.write(to: temporary)
        #expect(rename(temporary.path, inbox.appendingPathComponent(name).path) == 0)
    }

    func dropSeeds() throws {
        for name in Seeds.names { try drop(name, try Seeds.bytes(name)) }
    }

    /// The daemon's own marker in processing/ (which store the spool belongs to): not a file
    /// that was dropped.
    static let ownFiles: Set<String> = [".newsdedup-store"]

    func files(in name: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir(name).path)) ?? []).filter { !Self.ownFiles.contains($0) }.sorted()
    }

    /// The names of the files anywhere below `name` (processing/BATCH/, processed/DAY/BATCH/).
    func filesBelow(_ name: String) -> [String] {
        var found: [String] = []
        var pending = [dir(name)]
        while let directory = pending.popLast() {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
                let url = directory.appendingPathComponent(entry)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                    pending.append(url)
                } else if !Self.ownFiles.contains(entry) {
                    found.append(entry)
                }
            }
        }
        return found.sorted()
    }
}

/// The result of running a command to completion.
struct Run {
    let status: Int32
    let stdout: Data
    let stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs an executable to completion, with a deadline. Output goes to temporary files, so a
/// large output can never fill a pipe and stall the child.
func run(_ executable: String, _ arguments: [String], timeout: Double = 60, environment: [String: String] = [:]) throws -> Run {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nde-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        Issue.record("\(executable) \(arguments) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    return Run(
        status: process.terminationStatus, stdout: try Data(contentsOf: outURL),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}

func ctl(_ workspace: Workspace, _ arguments: String...) throws -> Run {
    try run(Binaries.ctl, ["--socket", workspace.socket] + arguments)
}

/// A `newsdedupd` running in the background for one test.
final class RunningDaemon {
    let process = Process()
    let workspace: Workspace
    let stderrFile: URL

    /// `executable` and `arguments` replace the daemon's command line (a wrapper such as prlimit).
    init(_ workspace: Workspace, extra: [String] = [], environment: [String: String] = [:],
         executable: String? = nil, arguments: [String]? = nil) throws {
        self.workspace = workspace
        stderrFile = workspace.root.appendingPathComponent("daemon.log")
        if !FileManager.default.fileExists(atPath: stderrFile.path) {
            _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        }
        configure(process, workspace, extra: extra, environment: environment)
        if let executable { process.executableURL = URL(fileURLWithPath: executable) }
        if let arguments { process.arguments = arguments }
        let log = try FileHandle(forWritingTo: stderrFile)
        log.seekToEndOfFile()
        process.standardError = log
        try process.run()
        // The socket file alone proves nothing (a killed daemon leaves one): wait for an answer.
        try waitFor("the daemon to answer on its socket") {
            guard process.isRunning else { throw Timeout(description: "newsdedupd exited early: \(log)") }
            return (try? ctl(workspace, "status").status) == 0
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var log: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    func status() throws -> StatusReport {
        let result = try ctl(workspace, "status", "--json")
        #expect(result.status == 0, "status failed: \(result.stderr)")
        return try JSONDecoder().decode(StatusReport.self, from: result.stdout)
    }

    /// Waits until the daemon has dealt with `count` files.
    @discardableResult
    func waitForProcessed(_ count: Int64, timeout: Double = 30) throws -> StatusReport {
        var last: StatusReport?
        do {
            try waitFor("\(count) files processed", timeout: timeout) {
                last = try? status()
                guard let s = last else { return false }
                return s.articles + s.exactDuplicates + s.nearDuplicates + s.quarantined >= count
            }
        } catch {
            throw Timeout(description: "\(error); last status: \(last.map { "\($0)" } ?? "none")")
        }
        return last!
    }

    /// Sends `signal` and returns the exit status; fails the test if it takes over `timeout`.
    func stop(_ signal: Int32 = SIGTERM, timeout: Double = 15) throws -> Int32 {
        kill(process.processIdentifier, signal)
        try waitFor("exit after signal \(signal)", timeout: timeout) { !process.isRunning }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

struct Timeout: Error, CustomStringConvertible {
    let description: String
}

func waitFor(_ what: String, timeout: Double = 20, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        usleep(50_000)
    }
    throw Timeout(description: "timed out waiting for \(what)")
}

/// Sets up a `newsdedupd` process on the workspace (not started).
func configure(_ process: Process, _ workspace: Workspace, extra: [String] = [], environment: [String: String] = [:]) {
    process.executableURL = URL(fileURLWithPath: Binaries.daemon)
    process.arguments = [
        "--inbox", workspace.inbox.path, "--store", workspace.store, "--socket", workspace.socket,
        "--poll-interval", "0.2",
    ] + extra
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
}

