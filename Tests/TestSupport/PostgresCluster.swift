import Foundation
import Glibc

/// A throwaway PostgreSQL 15 cluster (scripts/pg-cluster.sh): initdb and pg_ctl as the postgres
/// user, on a Unix socket in a temporary directory, stopped and removed at the end.
public final class PostgresCluster {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/pg-cluster.sh").path
    /// Root can run the server as the postgres user; the Debian package must be there.
    public static let available = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/15/bin/initdb")

    public let directory: String
    /// The URI daemons are given (`postgresql://newsdedup@/newsdedup?host=DIR`).
    public let uri: String

    /// With `listen`, the server also listens on TCP at that address (port 5432).
    public init(listen: String? = nil) throws {
        directory = "/tmp/nd-pg-\(UUID().uuidString.prefix(8))"
        let result = try Self.run(["start", directory], environment: listen.map { ["PG_LISTEN": $0] } ?? [:])
        guard result.status == 0 else { throw ClusterError(description: "pg-cluster.sh start: \(result.output)") }
        uri = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server dies at once (`pg_ctl stop -m immediate`: no checkpoint, connections cut), as
    /// a crash or a pulled plug leaves it; `restart` brings it back, recovering from its WAL.
    public func crash() throws {
        let result = try Self.run(["crash", directory])
        guard result.status == 0 else { throw ClusterError(description: "pg-cluster.sh crash: \(result.output)") }
    }

    public func restart() throws {
        let result = try Self.run(["restart", directory])
        guard result.status == 0 else { throw ClusterError(description: "pg-cluster.sh restart: \(result.output)") }
    }

    deinit {
        _ = try? Self.run(["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs the script to completion, its output through a file, with posix_spawn and waitpid:
    /// Foundation's Process never saw this script exit (it stayed a zombie under the test) once
    /// the server it starts had detached.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("nd-pg-\(UUID().uuidString).log").path
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([script] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let variables = (ProcessInfo.processInfo.environment.merging(environment) { $1 }).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in variables { free(pointer) } }
        guard posix_spawn(&pid, script, &actions, nil, argv, variables) == 0 else {
            throw ClusterError(description: "cannot run \(script)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exit, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    public struct ClusterError: Error, CustomStringConvertible { public let description: String }
}

