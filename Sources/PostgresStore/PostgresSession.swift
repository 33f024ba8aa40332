import ArticleStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// One connection to the server, used by one caller at a time: the store keeps two, the
/// writer's (its transactions hold the global lock) and the readers' (control requests), so a
/// reader never waits for a batch. Blocking: every call waits for its reply, on the caller's
/// thread (the daemon's worker threads, never an event loop). A connection that failed is
/// dropped and made again at the next call, so a server that went away and came back is
/// simply used again.
final class PostgresSession: Sendable {
    let location: PostgresLocation
    private let group: any EventLoopGroup
    private let logger: Logger
    private let connection = Mutex<PostgresConnection?>(nil)
    /// Closed for good (the store was closed): a caller still holding the store gets an error,
    /// not a new connection on an event loop group being shut down.
    private let closed = Atomic<Bool>(false)
    /// Serialises the callers: a transaction's statements must not interleave with another's.
    private let turn = Mutex<Void>(())

    init(_ location: PostgresLocation, group: any EventLoopGroup, logger: Logger) {
        self.location = location
        self.group = group
        self.logger = logger
    }

    /// Runs `body` with the connection, alone. A connection-level failure drops it.
    func use<T>(_ body: (Connection) throws -> T) throws(StoreError) -> T {
        do {
            return try turn.withLock { _ in try body(Connection(session: self, raw: try open())) }
        } catch {
            let mapped = Self.map(error, location)
            if mapped.kind == .transient { drop() }
            throw mapped
        }
    }

    /// A transaction: BEGIN, `body`, COMMIT; ROLLBACK when `body` throws.
    func transaction<T>(_ body: (Connection) throws -> T) throws(StoreError) -> T {
        try use { connection in
            try connection.execute("BEGIN")
            do {
                let result = try body(connection)
                try connection.execute("COMMIT")
                return result
            } catch {
                // A connection that failed is gone with its transaction; a statement sent on it
                // would wait for an answer that never comes.
                if !connection.raw.isClosed { try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    func close() {
        closed.store(true, ordering: .releasing)
        drop()
    }

    private func open() throws -> PostgresConnection {
        guard !closed.load(ordering: .acquiring) else {
            throw StoreError(message: "the PostgreSQL store \(location.display) was closed", kind: .transient)
        }
        if let open = connection.withLock({ $0 }), !open.isClosed { return open }
        let made = try PostgresConnection.connect(
            on: group.next(), configuration: location.configuration, id: Int.random(in: 1...Int.max), logger: logger
        ).wait()
        connection.withLock { $0 = made }
        return made
    }

    private func drop() {
        guard let open = connection.withLock({ held in defer { held = nil }; return held }) else { return }
        try? open.close().wait()
    }

    /// What a failure means for the daemon: the server unreachable, shutting down, out of
    /// connections or resources is transient (degraded, retried); anything the server refused
    /// in a statement is fatal (a bug, or a schema that is not ours).
    static func map(_ error: any Error, _ location: PostgresLocation) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? "\(error.code)"
                let transient = ["08", "53", "57", "40", "55"].contains(String(state.prefix(2)))
                return StoreError(message: "PostgreSQL \(location.display): \(message) (SQLSTATE \(state))",
                                  kind: transient ? .transient : .fatal)
            }
            return StoreError(message: "PostgreSQL \(location.display) unreachable: \(error.code)"
                + (error.underlying.map { " (\($0))" } ?? ""), kind: .transient)
        }
        return StoreError(message: "PostgreSQL \(location.display): \(error)", kind: .transient)
    }

    /// The connection inside `use`: statements with bindings, rows back.
    struct Connection {
        let session: PostgresSession
        let raw: PostgresConnection

        @discardableResult
        func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
            try answer(query).rows
        }

        func execute(_ query: PostgresQuery) throws {
            _ = try answer(query)
        }

        /// Waits for the server's answer, but not for ever: a server whose host vanished, or a
        /// link cut, never answers and the kernel may never say so (the daemon sets no TCP
        /// keepalive of its own). Past the deadline the connection is closed, the statement
        /// fails as unreachable (transient: degraded, retried on a new connection).
        private func answer(_ query: PostgresQuery) throws -> PostgresQueryResult {
            let raw = raw
            guard !raw.isClosed else {
                throw StoreError(message: "the connection to PostgreSQL \(session.location.display) was closed", kind: .transient)
            }
            let pending = raw.query(query, logger: session.logger)
            // Whichever comes first, the answer or the deadline, settles what is waited for: a
            // query on a connection closed under it is not always failed.
            let answer = raw.eventLoop.makePromise(of: PostgresQueryResult.self)
            let settled = Settled()
            pending.whenComplete { result in if settled.first() { answer.completeWith(result) } }
            let seconds = PostgresLocation.statementDeadlineSeconds
            let display = session.location.display
            let deadline = raw.eventLoop.scheduleTask(in: .seconds(Int64(seconds))) {
                if settled.first() {
                    answer.fail(StoreError(message: "PostgreSQL \(display) did not answer within \(seconds) s", kind: .transient))
                }
                let _: EventLoopFuture<Void> = raw.close()
            }
            defer { deadline.cancel() }
            return try answer.futureResult.wait()
        }

        /// The first column of the first row, if any.
        func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) throws -> T? {
            try rows(query).first?.decode(T.self)
        }
    }
}

/// True for the first caller only: the answer and the deadline race to settle a wait.
private final class Settled: Sendable {
    private let done = Atomic<Bool>(false)

    func first() -> Bool {
        !done.exchange(true, ordering: .acquiringAndReleasing)
    }
}
