@testable import DaemonKit
import Foundation
import Logging
import Testing

@Suite struct SettingsTableTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theShippedConfigurationIsWhatTheTableGenerates() throws {
        let shipped = try String(contentsOf: Self.repository.appendingPathComponent("config/newsdedup.yaml"), encoding: .utf8)
        #expect(shipped == DaemonSettings.shippedConfiguration(),
                "config/newsdedup.yaml is out of date: regenerate it with `newsdedupd --print-configuration > config/newsdedup.yaml`")
    }

    @Test func everyKeyOnceAndEveryShippedValueIsValid() async throws {
        #expect(Set(DaemonSettings.keys).count == DaemonSettings.table.count)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nd-shipped-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        // The commented-out examples too: uncommented, they must parse.
        let uncommented = DaemonSettings.shippedConfiguration().split(separator: "\n").map { line in
            DaemonSettings.keys.contains(where: { line.hasPrefix("# \($0): ") }) ? String(line.dropFirst(2)) : String(line)
        }.joined(separator: "\n")
            // The example group exists only where an operator made it: a group every Debian has.
            .replacingOccurrences(of: "socket_group: newsdedup-readers", with: "socket_group: adm")
        try uncommented.write(to: file, atomically: true, encoding: .utf8)
        let settings = try await DaemonSettings.resolve(flags: [:], configFile: file.path, environment: [:])
        #expect(settings.inbox == "/var/spool/newsdedup/inbox")
        #expect(settings.exclude == "*.incoming")
        #expect(settings.socketGroup == "adm")
    }

    @Test func withNothingGivenEverythingLivesUnderVar() async throws {
        let settings = try await DaemonSettings.resolve(flags: [:], configFile: nil, environment: [:])
        #expect(settings.description.split(separator: "\n").prefix(6) == [
            "inbox: var/inbox", "processing: var/processing", "processed: var/processed", "quarantine: var/quarantine",
            "store: var/store.sqlite", "socket: var/control.sock",
        ])
        #expect(settings.maxDistance == NearDuplicateDefaults.maxDistance)
        #expect(settings.description.split(separator: "\n").count == DaemonSettings.table.count)
    }

    /// A PostgreSQL store is a URI: read at start-up, refused in a sentence naming the key when
    /// malformed, and never shown with its password.
    @Test func aPostgresStoreURIIsCheckedAndShownWithoutItsPassword() async throws {
        let settings = try await DaemonSettings.resolve(
            flags: ["store": "postgresql://news:s3cret@db.example:5433/news"], configFile: nil, environment: [:])
        #expect(settings.store == "postgresql://news:s3cret@db.example:5433/news")
        #expect(settings.description.contains("store: postgresql://news:***@db.example:5433/news"))
        #expect(!settings.description.contains("s3cret"))
        await #expect {
            _ = try await DaemonSettings.resolve(flags: [:], configFile: nil, environment: ["NEWSDEDUP_STORE": "postgresql://db.example/news"])
        } throws: { error in
            "\(error)".hasPrefix("configuration key \"store\": ") && "\(error)".contains("names no user")
        }
    }

    @Test func aReloadTakesTheLiveSettingsAndNamesTheOthers() async throws {
        let running = try await DaemonSettings.resolve(flags: [:], configFile: nil, environment: [:])
        let live = LiveSettings(running, logLevel: LiveLogLevel(.info))
        let new = try await DaemonSettings.resolve(
            flags: [:], configFile: nil,
            environment: ["NEWSDEDUP_BATCH_SIZE": "9", "NEWSDEDUP_LOG_LEVEL": "debug", "NEWSDEDUP_STORE": "/elsewhere.sqlite"])
        let (applied, needRestart) = live.apply(new)
        #expect(applied == ["batch_size", "log_level"])
        #expect(needRestart == ["store"])
        #expect(live.value.batchSize == 9)
        #expect(live.value.store == running.store, "a restart setting keeps its running value")
        #expect(live.logLevel.value == .debug)
        #expect(live.apply(new).applied.isEmpty, "nothing left to change")
    }

    @Test func aWronglyTypedValueNamesItsLineAndWhatWasExpected() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nd-typed-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "inbox: /tmp/x\nmax_distance: seven\n".write(to: file, atomically: true, encoding: .utf8)
        await #expect {
            try await DaemonSettings.resolve(flags: [:], configFile: file.path, environment: [:])
        } throws: { error in
            "\(error)".contains("max_distance") && "\(error)".contains("line 2") && "\(error)".contains("a whole number from 0 to 16")
        }
    }
}
