import ArticleStore
import Foundation
public import Logging
import ServiceLifecycle

/// Assembles the daemon from its parts. The executable only parses flags and calls these.
public enum Daemon {
    /// `--once`: drain the inbox and return what was done.
    public static func drainOnce(settings: DaemonSettings, logger: Logger) throws -> DrainSummary {
        let store = try openStore(settings)
        defer { try? store.close() }
        let pipeline = try IngestPipeline(settings: settings, store: store, state: DaemonState(), logger: logger)
        return pipeline.drain()
    }

    /// Runs until SIGTERM or SIGINT: ingest loop and control server in one ServiceGroup.
    /// `announce` is called once the store is open and the socket bound.
    public static func run(settings: DaemonSettings, logger: Logger, announce: @Sendable () -> Void) async throws {
        let store = try openStore(settings)
        let state = DaemonState()
        let pipeline = try IngestPipeline(settings: settings, store: store, state: state, logger: logger)
        let control = try await ControlServer.bind(settings: settings, store: store, state: state, logger: logger)
        announce()
        let group = ServiceGroup(
            services: [IngestService(pipeline: pipeline, pollInterval: settings.pollInterval, logger: logger), control],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        defer {
            do {
                try store.close()
                logger.info("store closed", metadata: ["store": "\(settings.store)"])
            } catch {
                logger.error("closing the store failed", metadata: ["error": "\(error)"])
            }
        }
        try await group.run()
    }

    /// Opens the store, creating its directory (mode 0750) first if needed.
    static func openStore(_ settings: DaemonSettings) throws -> Store {
        let directory = URL(fileURLWithPath: settings.store).deletingLastPathComponent()
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        return try Store(path: settings.store)
    }
}
