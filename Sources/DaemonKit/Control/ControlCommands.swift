import ArticleStore
import ControlProtocol
import DedupCore
import Foundation
import InboxScanner

/// One handler per command, table-driven as OpenSMTPD's control.c: a request in, reply lines
/// out through `send`. Runs on the control thread pool, never on an event loop.
struct ControlCommands: Sendable {
    let live: LiveSettings
    var settings: DaemonSettings { live.value }
    let store: StoreHandle
    let state: DaemonState
    let metrics: Metrics
    /// Wakes the ingest loop (`rescan`, `resume`, `quarantine retry`).
    let wake: @Sendable () -> Void
    /// Re-reads the configuration (`reload`) and says what it did.
    let reload: @Sendable () async -> ReloadResult

    /// Records read from the store per page while exporting.
    static let exportPage = 256

    func handle(_ request: Request, send: (Response) throws -> Void) throws {
        switch request.command {
        case .status: try send(status())
        case .show: try send(show(request))
        case .export: try export(request, send: send)  // with `follow`, see ControlConnectionHandler
        case .similar: try similar(request, send: send)
        case .duplicates: try duplicates(request, send: send)
        case .check: try send(check())
        case .metrics: try send(metricsReport())
        case .quarantineList: try quarantineList(send: send)
        case .pause: try send(pause(true))
        case .resume: try send(pause(false))
        case .rescan: try send(rescan())
        case .backup: try send(backup(request))
        case .quarantineRetry: try send(quarantineRetry(request))
        case .reload:
            let result = runReload()
            try send(result.refused ? .error(.invalidConfiguration, result.message) : .done(result.message))
        }
    }

    /// Runs a read on the store if it is open (readers never reopen it: see StoreHandle).
    func read<T>(_ body: (Store) throws(StoreError) -> T) throws(StoreError) -> T {
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
                state: state.health.rawValue, articles: totals.articles, exactDuplicates: totals.exactDuplicates,
                nearDuplicates: totals.nearDuplicates, quarantined: totals.quarantined, backlog: waitingFiles(),
                rawBytes: totals.rawBytes, storedBytes: totals.storedBytes, uptimeSeconds: state.uptimeSeconds,
                lastError: state.lastError, lastSeq: totals.lastSeq, inbox: settings.inbox, store: settings.store,
                maxDistance: settings.maxDistance, filesLastMinute: state.filesLastMinute,
                storeSizeBytes: Self.sizeOnDisk(settings.store), oldestBacklogAgeSeconds: state.oldestBacklogAge,
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
            guard let article = try store.use(reopen: false, { store throws(StoreError) in try store.article(id: id) }) else { return .error(.notFound, "no article \(id)") }
            return .article(ArticleReply(
                id: article.id, source: article.source, receivedAt: RFC3339.string(fromMilliseconds: article.receivedAt),
                sha256: article.sha256.hexString, simhash: SimHash.hex(article.simhash), encoding: article.encoding,
                rawSize: article.rawSize, storedSize: article.storedSize, body: Data(article.bytes)))
        } catch {
            return .error(.storeFailure, error.description)
        }
    }

    /// Streams the feed after `since` in pages, then the end record with the count. With
    /// `follow`, instead of ending it waits for commits and sends their records as they come,
    /// until the client goes away (`isConnected` says no) or the daemon stops (then `end`).
    func export(_ request: Request, isConnected: () -> Bool = { true }, send: (Response) throws -> Void) throws {
        var since = request.since ?? 0
        let limit = request.limit ?? Int.max
        guard since >= 0, limit >= 0 else { return try send(.error(.invalidArgument, "since and limit must not be negative")) }
        var sent = 0
        while sent < limit {
            let generation = state.commitGeneration
            let wanted = min(Self.exportPage, limit - sent)
            let page: [FeedEntry]
            do {
                page = try read { store throws(StoreError) in try store.feed(since: since, limit: wanted) }
            } catch {
                return try send(.error(.storeFailure, error.description))
            }
            for entry in page { try send(.record(Self.record(entry))) }
            sent += page.count
            if let last = page.last { since = last.seq }
            if page.count == wanted { continue }
            guard request.follow == true, !state.isStopping, isConnected() else { break }
            state.waitForCommit(after: generation, timeout: 0.25)
        }
        try send(.end(count: sent))
    }

    /// The database file and its WAL, as they take space on disk.
    static func sizeOnDisk(_ path: String) -> Int64 {
        [path, path + "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int64 }.reduce(0, +)
    }

    static func record(_ entry: FeedEntry) -> ExportRecord {
        ExportRecord(
            seq: entry.seq, id: entry.id, kind: entry.kind.rawValue, duplicateOf: entry.duplicateOf,
            duplicateKind: entry.duplicateKind?.rawValue, distance: entry.distance, containment: entry.containment,
            matchedOn: entry.path?.rawValue, source: entry.source,
            sha256: entry.sha256.hexString, simhash: SimHash.hex(entry.simhash),
            receivedAt: RFC3339.string(fromMilliseconds: entry.receivedAt),
            text: entry.bytes.flatMap { try? TextDecoder.decode($0).text })
    }
}
