import ArgumentParser
import ControlProtocol
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "What the daemon holds and how it is doing.")

    @ParentCommand var parent: NewsDedupCtl
    @Flag(help: "Print the status as one JSON object.") var json = false

    func run() throws {
        withDaemon(socket: parent.socketPath) { client throws(ControlClient.Failure) in
            try client.send(Request(command: .status))
            let report = try client.receive(StatusReport.self)
            if json {
                do { writeStdout(try WireCoding.line(report)) } catch { throw .cutOff("\(error)") }
                return
            }
            let rows: [(String, String)] = [
                ("state", report.state.rawValue), ("articles", "\(report.articles)"),
                ("exact duplicates", "\(report.exactDuplicates)"), ("near duplicates", "\(report.nearDuplicates)"),
                ("quarantined", "\(report.quarantined)"), ("backlog", "\(report.backlog)"),
                ("raw bytes", "\(report.rawBytes)"),
                ("stored bytes", "\(report.storedBytes)"
                    + (report.rawBytes > 0 ? String(format: " (%.1f %%)", 100 * Double(report.storedBytes) / Double(report.rawBytes)) : "")),
                ("oldest waiting", report.oldestBacklogAgeSeconds.map { String(format: "%.0f s", $0) } ?? "-"),
                ("last minute", "\(report.filesLastMinute) files (\(String(format: "%.1f", report.filesPerSecond))/s)"),
                ("store on disk", "\(report.storeSizeBytes) bytes"),
                ("uptime", String(format: "%.0f s", report.uptimeSeconds)), ("last seq", "\(report.lastSeq)"),
                ("inbox", report.inbox), ("store", report.store), ("max distance", "\(report.maxDistance)"),
                ("last error", report.lastError ?? "none"),
                ("last notice", report.lastNotice ?? "none"),
            ]
            print(rows.map { "\(($0.0 + ":").padding(toLength: 18, withPad: " ", startingAt: 0))\($0.1)" }.joined(separator: "\n"))
        }
    }
}
