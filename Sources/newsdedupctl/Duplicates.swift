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
            try receiveRecords(&client) { response throws(ControlClient.Failure) in
                guard let row = response.duplicate else { throw .cutOff("reply without duplicate") }
                if json { return try printJSON(row) }
                let match = row.containment.map { "\(row.matchedOn ?? "lead"), contains \(formatScore($0))" } ?? row.matchedOn ?? "-"
                rows.append(["\(row.id)", row.kind, "\(row.distance)", match, row.receivedAt, row.source])
            }
            if !json { rows.isEmpty ? print("no duplicates recorded for article \(id)") : printTable(["ID", "KIND", "DISTANCE", "MATCH", "RECEIVED", "SOURCE"], rows) }
        }
    }
}
