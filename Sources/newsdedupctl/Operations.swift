import ArgumentParser
import ControlProtocol
import Foundation
import SystemSupport

/// Sends a command that changes something and prints what the daemon did (with `json`, the
/// reply line itself: `{"type":"done","message":…}`).
func perform(_ request: Request, socket: String, json: Bool) -> Never {
    withDaemon(socket: socket) { client throws(ControlClient.Failure) in
        try client.send(request)
        let message = try client.receiveDone()
        json ? try printJSON(Response.done(message)) : print(message)
    }
}

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop claiming new files (the socket keeps answering).")
    @ParentCommand var parent: NewsDedupCtl
    @Flag(help: "Print the reply as JSON.") var json = false
    func run() throws { perform(Request(command: .pause), socket: parent.socketPath, json: json) }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start claiming new files again.")
    @ParentCommand var parent: NewsDedupCtl
    @Flag(help: "Print the reply as JSON.") var json = false
    func run() throws { perform(Request(command: .resume), socket: parent.socketPath, json: json) }
}

struct Rescan: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Look at the inbox now instead of at the next poll.")
    @ParentCommand var parent: NewsDedupCtl
    @Flag(help: "Print the reply as JSON.") var json = false
    func run() throws { perform(Request(command: .rescan), socket: parent.socketPath, json: json) }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read the configuration (as SIGHUP does): apply what can change live, name what needs a restart.")
    @ParentCommand var parent: NewsDedupCtl
    @Flag(help: "Print the reply as JSON.") var json = false
    func run() throws { perform(Request(command: .reload), socket: parent.socketPath, json: json) }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an online, consistent copy of the store while ingest goes on.",
        discussion: """
            With PATH (which must not exist) the daemon writes the copy there; without, into a backups/ \
            directory beside its store (under the shipped unit: /var/lib/newsdedup/backups/), and says where. \
            A PATH the daemon would not see as you do (its unit's private /tmp, a read-only file system) is \
            refused with the reason.
            """)
    @ParentCommand var parent: NewsDedupCtl
    @Argument(help: "Where the daemon writes the copy (relative paths are taken from here).") var path: String?
    @Flag(help: "Print the reply as JSON.") var json = false

    func run() throws {
        guard let path else { perform(Request(command: .backup), socket: parent.socketPath, json: json) }
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
        // The directory as this side sees it; the daemon compares it with its own view.
        let directory = FileIdentity(path: Request.directory(ofBackup: absolute))
        perform(Request(command: .backup, path: absolute, directory: directory?.description), socket: parent.socketPath, json: json)
    }
}

struct Quarantine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "See quarantined files and put them back in the inbox.", subcommands: [List.self, Retry.self])

    @ParentCommand var parent: NewsDedupCtl

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The quarantined files with their reasons, oldest first.")
        @ParentCommand var parent: Quarantine
        @Flag(help: "One JSON object per file.") var json = false

        func run() throws {
            withDaemon(socket: parent.parent.socketPath) { client throws(ControlClient.Failure) in
                try client.send(Request(command: .quarantineList))
                var rows: [[String]] = []
                try client.receiveList(QuarantineEntry.self) { entry throws(ControlClient.Failure) in
                    if json { return try printJSON(entry) }
                    rows.append([entry.name, "\(entry.size)", entry.quarantinedAt ?? "-", entry.reason ?? "(no reason file)"])
                }
                if !json { rows.isEmpty ? print("quarantine is empty") : printTable(["NAME", "SIZE", "QUARANTINED", "REASON"], rows) }
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a quarantined file back into the inbox.")
        @ParentCommand var parent: Quarantine
        @Argument(help: "The name as `quarantine list` shows it.") var name: String
        @Flag(help: "Print the reply as JSON.") var json = false
        func run() throws { perform(Request(command: .quarantineRetry, name: name), socket: parent.parent.socketPath, json: json) }
    }
}
