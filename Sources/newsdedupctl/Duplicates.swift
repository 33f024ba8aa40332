import ArgumentParser
import ControlProtocol

struct Duplicates: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The duplicates recorded for an article, oldest first.")

    @ParentCommand var parent: NewsDedupCtl
    @Argument(help: "The article id.") var id: Int64
    @Flag(help: "One JSON object per duplicate.") var json = false

    func validate() throws {
        guard id > 0 else { throw ValidationError("ID must be a positive number") }
    }

    func run() throws {
        withDaemon(socket: parent.socketPath) { client throws(ControlClient.Failure) in
            try client.send(Request(command: .duplicates, id: id))
            var rows: [[String]] = []
            try client.receiveList(DuplicateReply.self) { row throws(ControlClient.Failure) in
                if json { return try printJSON(row) }
                let path = row.matchedOn?.rawValue
                let match = row.containment.map { "\(path ?? "lead"), contains \(formatScore($0))" } ?? path ?? "-"
                rows.append(["\(row.id)", row.kind.rawValue, "\(row.distance)", match, row.receivedAt, row.source])
            }
            if !json { rows.isEmpty ? print("no duplicates recorded for article \(id)") : printTable(["ID", "KIND", "DISTANCE", "MATCH", "RECEIVED", "SOURCE"], rows) }
        }
    }
}
