import ArgumentParser
import ControlProtocol
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the feed as NDJSON, one record per line, oldest first.",
        discussion: """
            Resume from the last seq you processed with --since SEQ: nothing is missed or repeated. \
            With --follow the command keeps running and prints records as they are committed; it \
            exits 0 when the daemon stops cleanly and 4 if the connection is cut: either way, \
            start again with --since the last seq you saw.
            """)

    @ParentCommand var parent: NewsDedupCtl
    @Option(help: "Only records with a larger seq.") var since: Int64 = 0
    @Option(help: "At most this many records.") var limit: Int?
    @Flag(help: "Keep running and print new records as they are committed.") var follow = false

    func validate() throws {
        guard since >= 0 else { throw ValidationError("--since must not be negative") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        withDaemon(socket: parent.socketPath) { client throws(ControlClient.Failure) in
            try client.send(Request(command: .export, since: since, limit: limit, follow: follow ? true : nil))
            try client.receiveList(ExportRecord.self) { record throws(ControlClient.Failure) in
                do { writeStdout(try WireCoding.line(record)) } catch { throw .cutOff("\(error)") }
            }
        }
    }
}
