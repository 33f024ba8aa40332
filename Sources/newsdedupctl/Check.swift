import ArgumentParser
import ControlProtocol
import Foundation

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "SQLite's integrity check and the consistency of the tables; exit 2 on problems.")

    @ParentCommand var parent: NewsDedupCtl
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        withDaemon(socket: parent.socketPath) { client throws(ControlClient.Failure) in
            try client.send(Request(command: .check))
            let report = try client.receive(CheckReport.self)
            if json {
                try printJSON(report)
            } else {
                print("integrity:     \(report.integrity.joined(separator: "; "))")
                print("problems:      \(report.problems.isEmpty ? "none" : report.problems.joined(separator: "; "))")
                print("articles:      \(report.articles)")
                print("duplicates:    \(report.duplicates)")
                print("feed records:  \(report.feedRecords)")
            }
            if !report.ok { fail("the store has problems", code: 2) }
        }
    }
}

struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Counters and latency histograms, in Prometheus text format.")

    @ParentCommand var parent: NewsDedupCtl

    func run() throws {
        withDaemon(socket: parent.socketPath) { client throws(ControlClient.Failure) in
            try client.send(Request(command: .metrics))
            let text = try client.receive(.metrics) { if case .metrics(let text) = $0 { text } else { nil } }
            writeStdout(text.utf8)
        }
    }
}
