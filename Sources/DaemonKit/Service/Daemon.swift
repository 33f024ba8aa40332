import ArticleStore
import DedupCore
import Foundation
import InboxScanner
public import Logging
import PostgresStore
import ServiceLifecycle

/// Assembles the daemon from its parts. The executable only parses flags and calls these.
public enum Daemon {
    /// `--once`: drain the inbox and return what was done, with where the time went per stage
    /// (`--stats`). Files still being written are waited for while they make progress; after
    /// `max(10 s, 5 × min_file_age)` without any, they are left in the inbox and counted as
    /// settling. The same pipeline and stages as the service, without the socket.
    public static func drainOnceTimed(settings: DaemonSettings, initialize: Bool = false, logger: Logger) async throws
        -> (summary: DrainSummary, stages: [StageTime]) {
        try await WorkerThreads.with(control: false) { threads in
            try await drainOnce(settings: settings, initialize: initialize, threads: threads, logger: logger)
        }
    }

    private static func drainOnce(settings: DaemonSettings, initialize: Bool, threads: WorkerThreads, logger: Logger) async throws
        -> (summary: DrainSummary, stages: [StageTime]) {
        let metrics = Metrics()
        let state = DaemonState()
        let live = LiveSettings(settings, logLevel: LiveLogLevel(Logger.Level(rawValue: settings.logLevel) ?? .info))
        let (store, spool) = try await open(settings, initialize: initialize, threads: threads, logger: logger)
        let pipeline = IngestPipeline(live: live, store: store, state: state, metrics: metrics, logger: logger, threads: threads,
                                      spool: spool, watcher: nil)
        let patience = Duration.seconds(max(10, 5 * settings.minFileAge))
        var total = DrainSummary()
        var lastProgress = ContinuousClock.now
        let bar = ProgressBar()
        while true {
            let before = total.total
            let pass = await pipeline.drain(progress: { pass in
                // The backlog is counted when the round lists the inbox, and includes what it then processes.
                bar.update(done: before + pass.total, total: before + state.backlog)
            })
            total.add(pass)
            if pass.deferred > 0 || pass.settling + pass.changing == 0 { break }
            if pass.total > 0 { lastProgress = .now }
            if ContinuousClock.now - lastProgress > patience { break }
            try? await Task.sleep(for: .seconds(min(0.2, max(0.01, settings.minFileAge / 4))))
        }
        bar.finish(done: total.total)
        _ = await threads.run(on: .ingest) { try? store.close() }
        return (total, metrics.stageTotals())
    }

    /// Runs until SIGTERM or SIGINT: ingest loop, control server and configuration reloads in one
    /// ServiceGroup. `resolve` re-reads the settings' layers (file, environment, flags) for a
    /// reload; `logLevel` is the level every log handler follows. `announce` is called once the
    /// store is open, recovery done and the socket bound.
    public static func run(
        settings: DaemonSettings, initialize: Bool = false, logLevel: LiveLogLevel, logger: Logger,
        resolve: @escaping @Sendable () async throws(SettingsError) -> DaemonSettings,
        announce: @Sendable () -> Void
    ) async throws {
        try await WorkerThreads.with(control: true) { threads in
            try await serve(settings: settings, initialize: initialize, logLevel: logLevel, logger: logger, threads: threads,
                            resolve: resolve, announce: announce)
        }
    }

    private static func serve(
        settings: DaemonSettings, initialize: Bool, logLevel: LiveLogLevel, logger: Logger, threads: WorkerThreads,
        resolve: @escaping @Sendable () async throws(SettingsError) -> DaemonSettings,
        announce: @Sendable () -> Void
    ) async throws {
        // Opening fails loudly at start-up (systemd restarts us); later faults only degrade.
        let (store, spool) = try await open(settings, initialize: initialize, threads: threads, logger: logger)
        // From here on the store is open: every way out closes it.
        do {
            try await serve(store: store, spool: spool, settings: settings, logLevel: logLevel, logger: logger, threads: threads,
                            resolve: resolve, announce: announce)
        } catch {
            await close(store, settings: settings, threads: threads, logger: logger)
            throw error
        }
        await close(store, settings: settings, threads: threads, logger: logger)
    }

    private static func serve(
        store: StoreHandle, spool: Spool, settings: DaemonSettings, logLevel: LiveLogLevel, logger: Logger, threads: WorkerThreads,
        resolve: @escaping @Sendable () async throws(SettingsError) -> DaemonSettings,
        announce: @Sendable () -> Void
    ) async throws {
        let state = DaemonState()
        let metrics = Metrics()
        let live = LiveSettings(settings, logLevel: logLevel)
        let watcher = try InboxWatcher(directory: settings.inbox)
        if !watcher.isWatching { logger.warning("inotify unavailable: files are found by polling only") }
        let pipeline = IngestPipeline(live: live, store: store, state: state, metrics: metrics, logger: logger, threads: threads,
                                      spool: spool, watcher: watcher)
        let reloader = Reloader(live: live, resolve: resolve, logger: logger, wake: { watcher.wake() })
        let control = try await ControlServer.bind(
            live: live, store: store, state: state, metrics: metrics, threads: threads, logger: logger,
            wake: { watcher.wake() }, reload: { await reloader.reload() })
        let recovered = await pipeline.recoverClaimed()
        if recovered.total > 0 { logger.notice("recovered files claimed before a restart", metadata: ["files": "\(recovered.total)"]) }
        if let totals = await threads.run(on: .ingest, { try? store.use(reopen: false, { store throws(StoreError) in try store.totals() }) }) ?? nil {
            state.remember(totals)
        }
        // Ready means: store open, recovery done, socket bound.
        let notifier = SystemdNotifier()
        notifier.ready(status: IngestService.statusLine(state))
        announce()
        let ingest = IngestService(
            pipeline: pipeline, watcher: watcher, threads: threads, live: live, notifier: notifier, state: state, logger: logger)
        // Services stop in reverse order: ingest first (it stops claiming and finishes its
        // batch), then reloads, then the control socket, whose followers end with the last
        // records committed.
        var services: [any Service] = [control, reloader, ingest]
        if let listen = settings.metricsListen, let endpoint = HTTPEndpoint(listen) {
            // After the control socket in the list: it stops before it.
            let commands = control.commands
            do {
                services.insert(try await MetricsListener.bind(endpoint, threads: threads, logger: logger) { commands.metricsExposition() }, at: 1)
            } catch {
                await control.abandon()
                throw error
            }
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        // A batch in hand is bounded (batch_size files of at most max_file_size): past this, stop anyway.
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Checkpoints and closes the store on shutdown.
    private static func close(_ store: StoreHandle, settings: DaemonSettings, threads: WorkerThreads, logger: Logger) async {
        let closed = await threads.run(on: .ingest) { Result { () throws(StoreError) in try store.close() } }
        switch closed {
        case .failure(let error)?: logger.error("closing the store failed", metadata: ["error": "\(error)"])
        default: logger.info("store closed", metadata: ["store": "\(settings.store)"])
        }
    }

    /// Opens the store and the spool on an ingest thread (both block), while the normaliser's
    /// table is built on the cooperative pool (CPU only) instead of inside the first batch, and
    /// then loads the near-duplicate index before the first batch and before READY=1, so no
    /// commit waits for it and the watchdog never sees that wait.
    static func open(_ settings: DaemonSettings, initialize: Bool, threads: WorkerThreads, logger: Logger) async throws
        -> (StoreHandle, Spool) {
        async let table: Void = Normalizer.prepare()
        let opened = await threads.run(on: .ingest) {
            Result { () throws -> (StoreHandle, Spool) in
                let store = try openStore(settings, initialize: initialize)
                do {
                    return (store, try Spool.open(settings, logger: logger))
                } catch {
                    try? store.close()
                    throw error
                }
            }
        }
        await table
        guard let (store, spool) = try opened?.get() else { throw CancellationError() }
        do {
            try await store.warmIndex()
        } catch {
            _ = await threads.run(on: .ingest) { try? store.close() }
            throw error
        }
        return (store, spool)
    }

    /// Opens the store, creating its directory (mode 0750) first if needed, and takes its
    /// writer lock before reading the index: a second writer fails at once. A store is created
    /// only where none was before: when the spool was used with a store (its marker in
    /// processing/) and the file is missing, that is a store lost or not mounted, refused unless
    /// `initialize` (`--init`) says to begin an empty one.
    static func openStore(_ settings: DaemonSettings, initialize: Bool) throws -> StoreHandle {
        if PostgresLocation.isURI(settings.store) { return try openShared(settings, initialize: initialize) }
        let directory = URL(fileURLWithPath: settings.store).deletingLastPathComponent().path
        do {
            try Directory.makePath(directory)
        } catch {
            throw StoreMissing(description: "cannot create the store's directory \(directory): \(String(cString: strerror(error.errno)))")
        }
        var info = stat()
        if stat(settings.store, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            throw StoreMissing(description: "the store \(settings.store) is a directory; the store is a file")
        }
        let marker = try StoreMarker(processing: settings.processing)
        if !initialize, access(settings.store, F_OK) != 0 {
            if let previous = marker.identity {
                throw StoreMissing(description: "no store at \(settings.store), but this spool was used with store \(previous) "
                    + "(\(marker.path)): is its file system mounted? Restore the store or a backup of it there, or start "
                    + "once with --init to begin an empty store")
            }
            if access(settings.store + "-wal", F_OK) == 0 {
                throw StoreMissing(description: "no store at \(settings.store), but its \(settings.store)-wal is there: the "
                    + "store was removed; restore it, or remove the -wal and start once with --init to begin an empty store")
            }
        }
        // Before the store is opened (and perhaps created): see `StoreWriterLock`.
        let lock = try StoreWriterLock(path: settings.store, create: true)
        let store = try Store(path: settings.store)
        do {
            try marker.record(store.identity)
        } catch {
            try? store.close()
            throw error
        }
        let (path, identity) = (settings.store, store.identity)
        return StoreHandle(opened: .init(store: store, lock: lock)) { () throws(StoreError) in
            // The store first: a missing or replaced file is told as the store's fault.
            let store = try Store(path: path, expecting: identity)
            do throws(StoreLockError) {
                return .init(store: store, lock: try StoreWriterLock(path: path, create: false))
            } catch {
                try? store.close()
                throw StoreError(message: error.description, isFatal: false)
            }
        }
    }
}

extension Daemon {
    /// Opens a PostgreSQL store. The spool's marker guards it as it guards a file: a spool
    /// used with a store never begins an empty database unasked (a wrong database name, a
    /// server restored empty), and a database holding another store is refused. A reopen
    /// after a fault connects again and must find the same store; the replica of the
    /// near-duplicate index is loaded again, with what other daemons committed meanwhile.
    static func openShared(_ settings: DaemonSettings, initialize: Bool) throws -> StoreHandle {
        let marker = try StoreMarker(processing: settings.processing)
        let previous = initialize ? nil : marker.identity
        let store: PostgresStore
        switch Result(catching: { () throws(StoreError) in try PostgresStore(uri: settings.store, create: previous == nil) }) {
        case .success(let opened): store = opened
        case .failure(let error) where error.kind == .lost:
            throw StoreMissing(description: "\(error.message), but this spool was used with store \(previous ?? "?") "
                + "(\(marker.path)): is this the right database? Restore the store there, or start once with --init "
                + "to begin an empty store")
        case .failure(let error): throw error
        }
        if let previous, previous != store.identity {
            try? store.close()
            throw StoreMissing(description: "\(store.path) holds store \(store.identity), but this spool was used with store "
                + "\(previous) (\(marker.path)): is this the right database? Start once with --init to use it anyway")
        }
        do {
            try marker.record(store.identity)
        } catch {
            try? store.close()
            throw error
        }
        let (uri, identity) = (settings.store, store.identity)
        return StoreHandle(opened: .init(store: store, lock: nil)) { () throws(StoreError) in
            .init(store: try PostgresStore(uri: uri, create: false, expecting: identity), lock: nil)
        }
    }
}

/// The store file is missing where one was used before.
public struct StoreMissing: Error, CustomStringConvertible {
    public let description: String
}
