import ArgumentParser
import ControlProtocol
import DedupCore
import Foundation

struct Similar: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored articles near a file's fingerprint, nearest first. Stores nothing.",
        discussion: "The file is fingerprinted here, exactly as the daemon would, and only the fingerprint is sent.")

    @ParentCommand var parent: NewsDedupCtl
    @Argument(help: "The article file to look up.") var file: String
    @Flag(help: "One JSON object per match.") var json = false

    func run() throws {
        let fingerprint: Fingerprint
        do {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            fingerprint = try Fingerprinter().fingerprint(of: try TextDecoder.decode(Array(bytes)).text)
        } catch {
            fail("\(file): \(error)", code: 1)
        }
        withDaemon(socket: parent.socketPath) { client throws(ControlClient.Failure) in
            try client.send(Request(command: .similar, simhash: fingerprint.simhashHex, sha256: fingerprint.sha256.hexString))
            var rows: [[String]] = []
            try receiveRecords(&client) { response throws(ControlClient.Failure) in
                guard let match = response.match else { throw .cutOff("reply without match") }
                if json { return try printJSON(match) }
                rows.append(["\(match.id)", match.exact ? "exact" : "\(match.distance)", match.receivedAt, match.source])
            }
            guard !json else { return }
            if rows.isEmpty {
                print("no stored article near \(file) (simhash \(fingerprint.simhashHex))")
            } else {
                printTable(["ID", "DISTANCE", "RECEIVED", "SOURCE"], rows)
            }
        }
    }
}
