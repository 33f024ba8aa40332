import ArgumentParser
import ControlProtocol
import Foundation

/// `newsdedupctl`: one subcommand per file, all talking to the daemon through `ControlClient`.
///
/// Exit codes: 0 done; 1 the daemon answered with an error (or refused: permission); 2 `check`
/// found problems; 3 the daemon is not running (LSB, as `unbound-control status`); 4 the reply
/// was cut off or unreadable; 64 bad usage.
@main
struct NewsDedupCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsdedupctl",
        abstract: "Ask a running newsdedupd what it holds.",
        discussion: "Exit status: 0 ok, 1 request failed, 2 check found problems, 3 daemon not running, 4 reply cut off, 64 usage.",
        version: "newsdedupctl \(ControlProtocol.release) (control protocol \(ControlProtocol.version))",
        subcommands: [
            Status.self, Show.self, Export.self, Similar.self, Duplicates.self, Check.self, Metrics.self,
            Pause.self, Resume.self, Rescan.self, Reload.self, Backup.self, Quarantine.self,
        ])

    @Option(help: ArgumentHelp("Control socket (default: $NEWSDEDUP_SOCKET, else the socket of --config FILE or of /etc/newsdedup/newsdedup.yaml when present, else /run/newsdedup/control.sock when it exists, else var/control.sock).", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("The daemon's configuration file, to find its socket.", valueName: "file"))
    var config: String?

    var socketPath: String { SocketDiscovery(socket: socket, config: config).path() }
}

/// One JSON line on standard output.
func printJSON(_ value: some Encodable) throws(ControlClient.Failure) {
    do { writeStdout(try WireCoding.line(value)) } catch { throw .cutOff("\(error)") }
}

/// Columns padded to the widest cell, for the human-readable listings.
func printTable(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        print(row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  "))
    }
}

/// Writes bytes to standard output as they are.
func writeStdout(_ bytes: some Sequence<UInt8>) {
    FileHandle.standardOutput.write(Data(bytes))
}

/// A containment score as the tables show it: three decimals.
func formatScore(_ value: Double) -> String { String(format: "%.3f", value) }
