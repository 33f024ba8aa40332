import ArticleStore
import ControlProtocol
import DedupCore
import Foundation
import InboxScanner
import PostgresStore
import SystemSupport

/// One handler per command, table-driven as OpenSMTPD's control.c: a request in, reply lines
/// out through `send`. Async: what blocks (the store, the spool's directories) runs on a
/// control thread (`WorkerThreads`), and the replies are awaited as they are written, so a
/// client that reads slowly holds no thread.
struct ControlCommands: Sendable {
    let live: LiveSettings
    var settings: DaemonSettings { live.value }
    let store: StoreHandle
    let state: DaemonState
    let metrics: Metrics
    let threads: WorkerThreads
    /// Wakes the ingest loop (`rescan`, `resume`, `quarantine retry`).
    let wake: @Sendable () -> Void
    /// Re-reads the configuration (`reload`) and says what it did.
    let reload: @Sendable () async -> ReloadResult

    /// Where a reply line goes; returns once it is written (or queued within a page).
    typealias Send = (Response) async throws -> Void

    /// Records read from the store per page while exporting.
    static let exportPage = 256

    /// Answers `request`. `privileged` (root, the daemon's user) picks the operators' thread, so
    /// a reader's large query never delays `status` or `pause` from root.
    func handle(_ request: Request, privileged: Bool, send: Send) async throws {
        let pool: WorkerThreads.Pool = privileged ? .operators : .readers
        switch request.command {
        case .export:
            try await export(request, pool: pool, send: send)  // with `follow`, see ControlConnectionHandler
        case .reload:
            let result = await reload()
            try await send(result.refused ? .error(.invalidConfiguration, result.message) : .done(result.message))
        default:
            // Every other command reads the store or the spool: on a control thread, its replies
            // collected there (a bounded few) and written from here.
            guard let replies = await threads.run(on: pool, { self.answer(request) }) else { throw DaemonStopping() }
            for reply in replies { try await send(reply) }
        }
    }

    /// The replies to a command other than `export` and `reload`; blocking.
    private func answer(_ request: Request) -> [Response] {
        var replies: [Response] = []
        let send: (Response) -> Void = { replies.append($0) }
        switch request.command {
        case .status: send(status())
        case .show: send(show(request))
        case .similar: similar(request, send: send)
        case .duplicates: duplicates(request, send: send)
        case .check: send(check())
        case .metrics: send(.metrics(metricsExposition()))
        case .quarantineList: quarantineList(send: send)
        case .pause: send(pause(true))
        case .resume: send(pause(false))
        case .rescan: send(rescan())
        case .backup: send(backup(request))
        case .quarantineRetry: send(quarantineRetry(request))
        case .export, .reload: send(.error(.unknownCommand, "\(request.command.rawValue) is answered elsewhere"))
        }
        return replies
    }

    /// Runs a read on the store if it is open (readers never reopen it: see StoreHandle).
    func read<T>(_ body: (any DedupStore) throws(StoreError) -> T) throws(StoreError) -> T {
        try store.use(reopen: false, body)
    }

    /// Answers even while the store is unavailable: the last counts known, state "degraded"
    /// and the error, which is what an operator needs then.
    func status() -> Response {
        let totals: StoreTotals
        do {
            totals = try read { store throws(StoreError) in try store.totals() }
            state.remember(totals)
        } catch {
            totals = state.lastTotals
        }
        return .status(StatusReport(
                state: state.health, articles: totals.articles, exactDuplicates: totals.exactDuplicates,
                nearDuplicates: totals.nearDuplicates, quarantined: totals.quarantined, backlog: waitingFiles(),
                rawBytes: totals.rawBytes, storedBytes: totals.storedBytes, uptimeSeconds: state.uptimeSeconds,
                // The store as the operator named it, but never a password of its URI.
                lastError: state.lastError, lastSeq: totals.lastSeq, inbox: settings.inbox, store: Daemon.displayed(store: settings.store),
                maxDistance: settings.maxDistance, filesLastMinute: state.filesLastMinute,
                storeSizeBytes: (try? read { store throws(StoreError) in try store.bytesOnDisk() }) ?? Self.sizeOnDisk(settings.store),
                oldestBacklogAgeSeconds: state.oldestBacklogAge,
                lastNotice: state.lastNotice))
    }

    /// Files dropped and not yet stored or quarantined, counted when asked: those in the inbox
    /// (still being written or not) and those claimed in processing/, at the top or in a batch
    /// folder. Counted now, not at the ingest loop's last listing, which can be minutes old
    /// while one large batch is prepared.
    func waitingFiles() -> Int {
        let settings = settings
        var waiting = 0
        if let inbox = try? Directory(path: settings.inbox, create: false) {
            waiting += inbox.count { name in
                !name.isIgnored && !(settings.exclude.map { name.matches(glob: $0) } ?? false)
            }.files
        }
        if let processing = try? Directory(path: settings.processing, create: false) {
            let top = processing.count { !$0.isIgnored }
            waiting += top.files
            for folder in top.directories {
                if let batch = try? Directory(folder, in: processing) { waiting += batch.count { !$0.isIgnored }.files }
            }
        }
        return waiting
    }

    func show(_ request: Request) -> Response {
        guard let id = request.id, id > 0 else { return .error(.invalidArgument, "show needs a positive \"id\"") }
        do {
            guard let item = try store.use(reopen: false, { store throws(StoreError) in try store.item(id: id) }) else {
                return .error(.notFound, "no item \(id)")
            }
            return .item(ItemReply(
                id: item.id, seq: item.seq, kind: item.duplicateOf == nil ? .article : .duplicate, duplicateOf: item.duplicateOf,
                duplicateKind: item.duplicateKind.map(WireDuplicateKind.init), source: item.source,
                receivedAt: RFC3339.string(fromMilliseconds: item.receivedAt), sha256: item.sha256.hexString,
                simhash: SimHash.hex(item.simhash), encoding: item.encoding, rawSize: item.rawSize, storedSize: item.storedSize,
                body: item.bytes.map { Data($0) }))
        } catch {
            return .error(.storeFailure, error.description)
        }
    }

    /// Streams the feed after `since` in pages, then the end record with the count. With
    /// `follow`, instead of ending it waits for commits and sends their records as they come,
    /// until the client goes away (`isConnected` says no) or the daemon stops (then `end`).
    /// A follower waiting for a commit holds no thread.
    func export(_ request: Request, pool: WorkerThreads.Pool, isConnected: () -> Bool = { true }, send: Send) async throws {
        var since = request.since ?? 0
        let limit = request.limit ?? Int.max
        guard since >= 0, limit >= 0 else { return try await send(.error(.invalidArgument, "since and limit must not be negative")) }
        var sent = 0
        while sent < limit {
            let generation = state.commits.generation
            let wanted = min(Self.exportPage, limit - sent)
            let from = since
            let read = await threads.run(on: pool) {
                Result { () throws(StoreError) in try self.read { store throws(StoreError) in try store.feed(since: from, limit: wanted) } }
            }
            guard let read else { throw DaemonStopping() }
            let page: [FeedEntry]
            switch read {
            case .success(let entries): page = entries
            case .failure(let error): return try await send(.error(.storeFailure, error.description))
            }
            for entry in page { try await send(.record(Self.record(entry))) }
            sent += page.count
            if let last = page.last { since = last.seq }
            if page.count == wanted { continue }
            guard request.follow == true, !state.isStopping, isConnected() else { break }
            // A quarter of a second at most, so a client gone away is noticed.
            await state.commits.wait(after: generation, timeout: .milliseconds(250))
        }
        try await send(.end(count: sent))
    }

    /// While the store is closed after a fault: a SQLite file's size, as it takes space on disk.
    static func sizeOnDisk(_ path: String) -> Int64 {
        PostgresLocation.isURI(path) ? 0 : Store.sizeOnDisk(path)
    }

    static func record(_ entry: FeedEntry) -> ExportRecord {
        ExportRecord(
            seq: entry.seq, id: entry.id, kind: FeedKind(entry.kind), duplicateOf: entry.duplicateOf,
            duplicateKind: entry.duplicateKind.map(WireDuplicateKind.init), distance: entry.distance,
            containment: entry.containment, matchedOn: entry.path.map(MatchedOn.init), source: entry.source,
            sha256: entry.sha256.hexString, simhash: SimHash.hex(entry.simhash),
            receivedAt: RFC3339.string(fromMilliseconds: entry.receivedAt),
            text: entry.bytes.flatMap { try? TextDecoder.decode($0).text })
    }
}

/// The daemon is shutting down and its control threads are gone: the connection is closed.
struct DaemonStopping: Error {}
