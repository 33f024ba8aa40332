import ArgumentParser
import ControlProtocol
import DaemonKit
import DedupCore
import Foundation
import Logging

/// `newsdedupd`: parse flags, resolve settings, run. Everything else lives in DaemonKit.
@main
struct NewsDedupDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsdedupd",
        abstract: "Deduplicate news articles dropped into an inbox directory into a compressed store (SQLite, or PostgreSQL shared by several daemons).",
        discussion: """
            Settings come from built-in defaults < --config FILE (YAML) < NEWSDEDUP_<KEY> environment \
            variables < flags. With none given, everything lives under ./var/. The settings (config key; \
            environment NEWSDEDUP_ and the key in capitals):

            """ + DaemonSettings.table.map { "  \($0.key)\($0.live ? "" : " (restart)"): \($0.summary)" }.joined(separator: "\n"),
        version: "newsdedupd \(ControlProtocol.release) (fingerprint algorithm \(Fingerprinter.algorithmVersion), "
            + "control protocol \(ControlProtocol.version))")

    // Flags stay optional with no default: a parser default would silently beat the config file.
    // Their help is the settings table's.
    @Option(help: "YAML configuration file.") var config: String?
    @Option(help: ArgumentHelp(DaemonSettings.setting("inbox").summary)) var inbox: String?
    @Option(help: ArgumentHelp(DaemonSettings.setting("store").summary)) var store: String?
    @Option(help: ArgumentHelp(DaemonSettings.setting("socket").summary)) var socket: String?
    @Option(help: ArgumentHelp(DaemonSettings.setting("processed").summary)) var processed: String?
    @Option(help: ArgumentHelp(DaemonSettings.setting("quarantine").summary)) var quarantine: String?
    @Option(name: .customLong("poll-interval"), help: ArgumentHelp(DaemonSettings.setting("poll_interval").summary))
    var pollInterval: String?
    @Option(name: .customLong("max-distance"), help: ArgumentHelp(DaemonSettings.setting("max_distance").summary))
    var maxDistance: String?
    @Flag(name: .customLong("print-configuration"), help: ArgumentHelp(
        "Print the shipped configuration file (every setting, documented), then exit.", visibility: .hidden))
    var printConfiguration = false
    @Flag(help: "Drain the inbox once, then exit.") var once = false
    @Flag(help: "With --once: print where the time went, per stage, as tab-separated lines.") var stats = false
    @Flag(name: .customLong("check-config"), help: "Print the effective configuration and exit.") var checkConfig = false
    @Flag(name: .customLong("init"), help: ArgumentHelp(
        "Begin an empty store where the spool was used with one that is now missing.",
        discussion: "Without it the daemon refuses to start when the store file is missing but the spool's processing/ says a store was used there: a store deleted or not mounted must not be replaced silently."))
    var initialize = false
    @Flag(help: ArgumentHelp(
        "Refingerprint every stored article with this build's algorithm, then exit.",
        discussion: "Needed once after an upgrade that changed the fingerprint; the daemon refuses such a store until then. Stop the daemon first."))
    var reindex = false
    @Flag(name: .customLong("train-dictionaries"), help: ArgumentHelp(
        "Train a new preset dictionary for every script from the store's newest articles, then exit.",
        discussion: "New bodies are compressed with the newest dictionary of their script; stored bodies keep theirs. The daemon trains a script's first dictionary by itself. Stop the daemon first."))
    var trainDictionaries = false
    @Option(name: .customLong("copy-store"), parsing: .upToNextOption, help: ArgumentHelp(
        "Copy every item, verdict, feed record and byte of store FROM into a new store TO, then exit.",
        discussion: "Either may be a SQLite file or a postgresql:// URI: moving a store onto PostgreSQL keeps its ids, seqs and identity, so the spools that used it go on with the copy. A SQLite source is copied under its writer lock (stop its daemon); a PostgreSQL source in one snapshot. TO must not exist (SQLite) or must hold no items (PostgreSQL).",
        valueName: "FROM TO"))
    var copyStore: [String] = []

    func run() async throws {
        if printConfiguration {
            print(DaemonSettings.shippedConfiguration(), terminator: "")
            return
        }
        Daemon.tuneAllocator()
        if !copyStore.isEmpty {
            guard copyStore.count == 2 else { Self.fail("--copy-store takes two stores, FROM and TO", code: 64) }
            do {
                let started = ContinuousClock.now
                let report = try Daemon.copyStore(from: copyStore[0], to: copyStore[1]) { done in
                    if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\rcopying: \(done) items".utf8)) }
                }
                if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\n".utf8)) }
                print("newsdedupd: copied \(report.items) items (\(report.bodies) bodies, \(report.bodyBytes) bytes stored), "
                    + "\(report.dictionaries) dictionaries and \(report.quarantined) quarantine records into \(Daemon.displayed(store: copyStore[1])) "
                    + "in \(started.duration(to: .now)); the copy checks clean")
            } catch {
                Self.fail("copy-store: \(error)", code: 1)
            }
            return
        }
        let given: [String: String?] = [
            "inbox": inbox, "store": store, "socket": socket, "processed": processed, "quarantine": quarantine,
            "poll_interval": pollInterval, "max_distance": maxDistance,
        ]
        let flags = given.compactMapValues { $0 }
        let configFile = config
        let environment = ProcessInfo.processInfo.environment
        // The same layers again on every reload (SIGHUP, newsdedupctl reload).
        let resolve: @Sendable () async throws(SettingsError) -> DaemonSettings = { () async throws(SettingsError) in
            try await DaemonSettings.resolve(flags: flags, configFile: configFile, environment: environment)
        }
        let settings: DaemonSettings
        do {
            settings = try await resolve()
        } catch {
            Self.fail("\(error)", code: 78)  // EX_CONFIG
        }
        if checkConfig {
            print(settings.description)
            print("configuration OK")
            return
        }
        if reindex {
            do {
                let started = ContinuousClock.now
                let report = try Daemon.reindex(settings: settings) { done, total in
                    if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\rreindexing: \(done)/\(total)".utf8)) }
                }
                if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\n".utf8)) }
                let before = report.previous.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                print("newsdedupd: reindexed \(settings.store): \(report.articles) articles refingerprinted "
                    + "(was \(before.isEmpty ? "unrecorded" : before); now fingerprint_algorithm=\(Fingerprinter.algorithmVersion)), "
                    + "\(report.merged) merged into an older article as exact duplicates, in \(started.duration(to: .now))")
            } catch {
                Self.fail("reindex: \(error)", code: 1)
            }
            return
        }
        if trainDictionaries {
            do {
                let trained = try Daemon.trainDictionaries(settings: settings)
                for dictionary in trained.dictionaries {
                    print("newsdedupd: dictionary \(dictionary.id) for \(dictionary.script.rawValue): \(dictionary.bytes.count) bytes")
                }
                print("newsdedupd: trained \(trained.dictionaries.count) dictionaries for \(settings.store)"
                    + (trained.dictionaries.isEmpty ? " (no script has 32 KiB of stored text yet)" : "")
                    + (trained.recompressed > 0 ? "; \(trained.recompressed) bodies stored without one compressed again, "
                        + "\(trained.bytesSaved) bytes saved" : ""))
            } catch {
                Self.fail("train-dictionaries: \(error)", code: 1)
            }
            return
        }
        let configured = Logger.Level(rawValue: settings.logLevel) ?? .info
        // --once on a terminal shows a progress bar; a line per file would shred it.
        let logLevel = LiveLogLevel(once && isatty(STDERR_FILENO) == 1 && configured == .info ? .notice : configured)
        let journal = ProcessInfo.processInfo.environment["JOURNAL_STREAM"]
        LoggingSystem.bootstrap { label in logLevel.handler(label: label, journalStream: journal) }
        let logger = Logger(label: "newsdedupd")

        do {
            if once {
                let started = ContinuousClock.now
                let (summary, stages) = try await Daemon.drainOnceTimed(settings: settings, initialize: initialize, logger: logger)
                if stats {
                    let wall = started.duration(to: .now)
                    print("stage\tseconds\tcount")
                    for stage in stages { print("\(stage.stage)\t\(String(format: "%.4f", stage.seconds))\t\(stage.count)") }
                    print("wall\t\(String(format: "%.4f", Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18))\t1")
                }
                print("newsdedupd: drained \(settings.inbox): \(summary.stored) stored, "
                    + "\(summary.exactDuplicates) exact duplicates, \(summary.nearDuplicates) near duplicates, "
                    + "\(summary.quarantined) quarantined, \(summary.recovered) recovered, \(summary.deferred) deferred, "
                    + "\(summary.settling + summary.changing) still being written")
                if summary.deferred > 0 { Self.fail("the store failed; \(summary.deferred) files stay claimed", code: 1) }
                return
            }
            try await Daemon.run(settings: settings, initialize: initialize, logLevel: logLevel, logger: logger, resolve: resolve) {
                print("newsdedupd: inbox \(settings.inbox), store \(Daemon.displayed(store: settings.store)), socket \(settings.socket)")
                print("newsdedupd: ready; stop with Ctrl-C (SIGINT) or SIGTERM")
                fflush(nil)
            }
        } catch {
            Self.fail("\(error)", code: 1)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("newsdedupd: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
