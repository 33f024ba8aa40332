import ArgumentParser
import Foundation

/// `newsdedupctl`: one subcommand per file, all talking to the daemon through `ControlClient`.
///
/// Exit codes: 0 done; 1 the daemon answered with an error; 3 the daemon is not running (LSB,
/// as `unbound-control status`); 4 the reply was cut off or unreadable; 64 bad usage.
@main
struct NewsDedupCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsdedupctl",
        abstract: "Ask a running newsdedupd what it holds.",
        discussion: "Exit status: 0 ok, 1 request failed, 3 daemon not running, 4 reply cut off, 64 usage.",
        subcommands: [Status.self, Show.self, Export.self])

    @Option(help: "Control socket (default: $NEWSDEDUP_SOCKET or var/control.sock).")
    var socket: String?

    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["NEWSDEDUP_SOCKET"] ?? "var/control.sock"
    }
}

/// Writes bytes to standard output as they are.
func writeStdout(_ bytes: some Sequence<UInt8>) {
    FileHandle.standardOutput.write(Data(bytes))
}
