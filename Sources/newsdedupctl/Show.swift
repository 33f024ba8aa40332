import ArgumentParser
import ControlProtocol
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a stored article's text, byte for byte.")

    @ParentCommand var parent: NewsDedupCtl
    @Argument(help: "The article id.") var id: Int64
    @Flag(help: "Print the article's record (JSON) instead of its text.") var meta = false
    @Flag(help: "Print the record and the bytes (base64, as \"body\") as one JSON object.") var json = false

    func validate() throws {
        guard id > 0 else { throw ValidationError("ID must be a positive number") }
    }

    func run() throws {
        withDaemon(socket: parent.socketPath) { client throws(ControlClient.Failure) in
            try client.send(Request(command: .show, id: id))
            var article = try client.receive(ArticleReply.self)
            if json {
                try printJSON(article)
            } else if meta {
                article.body = Data()
                try printJSON(article)
            } else {
                writeStdout(article.body)
            }
        }
    }
}
