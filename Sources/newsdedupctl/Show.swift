import ArgumentParser
import ControlProtocol
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a received item's bytes exactly as they arrived: an article's, or a duplicate's.")

    @ParentCommand var parent: NewsDedupCtl
    @Argument(help: "The item's id (an article's or a duplicate's, as export and duplicates show them).") var id: Int64
    @Flag(help: "Print the item's record (JSON) instead of its bytes.") var meta = false
    @Flag(help: "Print the record and the bytes (base64, as \"body\") as one JSON object.") var json = false

    func validate() throws {
        guard id > 0 else { throw ValidationError("ID must be a positive number") }
    }

    func run() throws {
        withDaemon(socket: parent.socketPath) { client throws(ControlClient.Failure) in
            try client.send(Request(command: .show, id: id))
            var item = try client.receive(ItemReply.self)
            if json {
                try printJSON(item)
            } else if meta {
                item.body = nil
                try printJSON(item)
            } else if let body = item.body {
                writeStdout(body)
            } else {
                fail("item \(id)'s bytes were not kept: it is a duplicate received before the store kept duplicates' "
                    + "bytes (schema 7); --meta shows its record", code: 1)
            }
        }
    }
}
