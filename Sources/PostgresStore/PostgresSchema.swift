import ArticleStore
import PostgresNIO

/// The PostgreSQL store's tables: the SQLite store's schema 7, in PostgreSQL's types. One row
/// per received item with one id and its feed seq; bytes in `body` (a duplicate's as a delta
/// against its base); claims only while their batch is in a daemon's processing/. Created by
/// the first daemon that opens the database, under the global lock, so several starting at
/// once do not race.
enum PostgresSchema {
    /// The advisory lock every writer takes for a batch (and for creating the schema): one
    /// global lock, so verdicts are decided one batch at a time in commit order.
    static let lockKey: Int64 = 0x6E65_7773_6465_6475  // "newsdedu"

    /// Taken while training dictionaries, so two daemons do not train the same script's first.
    static let trainingLockKey: Int64 = lockKey + 1

    static let version = "1"

    static let statements: [PostgresQuery] = [
        "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS counter (name text PRIMARY KEY, value bigint NOT NULL)",
        """
        INSERT INTO counter(name, value) VALUES ('articles', 0), ('exact_duplicates', 0), ('near_duplicates', 0),
            ('quarantined', 0), ('raw_bytes', 0), ('stored_bytes', 0), ('feed_deleted', 0), ('last_seq', 0), ('last_id', 0)
        ON CONFLICT (name) DO NOTHING
        """,
        """
        CREATE TABLE IF NOT EXISTS dictionary (
            id bigserial PRIMARY KEY, script text NOT NULL, trained_at bigint NOT NULL, samples integer NOT NULL,
            bytes bytea NOT NULL, raw_size integer NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS item (
            id bigint PRIMARY KEY,
            seq bigint UNIQUE,
            original_id bigint REFERENCES item(id) DEFERRABLE INITIALLY DEFERRED,
            kind text CHECK (kind IN ('exact', 'near')),
            distance integer,
            containment double precision,
            matched_on text,
            sha256 bytea NOT NULL,
            simhash bigint NOT NULL,
            lead_simhash bigint,
            indexed boolean NOT NULL DEFAULT false,
            source text NOT NULL,
            received_at bigint NOT NULL,
            encoding text,
            raw_size bigint NOT NULL,
            base_id bigint REFERENCES item(id) DEFERRABLE INITIALLY DEFERRED,
            CHECK ((original_id IS NULL) = (kind IS NULL)))
        """,
        "CREATE INDEX IF NOT EXISTS item_on_sha ON item (sha256) WHERE original_id IS NULL",
        "CREATE INDEX IF NOT EXISTS item_on_lead ON item (lead_simhash) WHERE indexed",
        "CREATE INDEX IF NOT EXISTS item_on_original ON item (original_id) WHERE original_id IS NOT NULL",
        """
        CREATE TABLE IF NOT EXISTS body (
            item_id bigint PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
            dictionary_id bigint REFERENCES dictionary(id),
            bytes bytea NOT NULL)
        """,
        // Bodies are zlib streams already: PostgreSQL's own compression of large values would
        // spend the lock's time finding nothing to gain.
        "ALTER TABLE body ALTER COLUMN bytes SET STORAGE EXTERNAL",
        "CREATE TABLE IF NOT EXISTS anchor (item_id bigint PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE, keys bytea NOT NULL)",
        "CREATE TABLE IF NOT EXISTS claim (key bytea PRIMARY KEY, item_id bigint NOT NULL REFERENCES item(id) ON DELETE CASCADE)",
        "CREATE INDEX IF NOT EXISTS claim_on_item ON claim (item_id)",
        """
        CREATE TABLE IF NOT EXISTS quarantine (
            id bigserial PRIMARY KEY, name text NOT NULL, reason text NOT NULL, at bigint NOT NULL)
        """,
    ]

    /// Creates what is missing and checks, or records, the parameters the fingerprints were
    /// made with; returns the store's identity. Without `create`, a database holding no store
    /// is an error (a daemon whose spool names a store must not begin an empty one unasked);
    /// with `expecting`, so is a store with another identity (a reopen must find the same one).
    static func prepare(_ connection: PostgresSession.Connection, parameters: [String: String], create: Bool = true,
                        expecting: String? = nil, display: String = "") throws -> String {
        try connection.execute("SELECT pg_advisory_xact_lock(\(lockKey))")
        let exists = try connection.value("SELECT to_regclass('meta') IS NOT NULL", as: Bool.self) ?? false
        if !exists, !create {
            throw StoreError(message: "the PostgreSQL database \(display) holds no newsdedup store", kind: .lost)
        }
        for statement in statements { try connection.execute(statement) }
        for (key, expected) in parameters.sorted(by: { $0.key < $1.key }) {
            if let found = try connection.value("SELECT value FROM meta WHERE key = \(key)", as: String.self) {
                guard found == expected else {
                    throw StoreError(message: "the PostgreSQL store was written with \(key)=\(found), this build uses \(expected)",
                                     kind: .fatal)
                }
            } else {
                try connection.execute("INSERT INTO meta(key, value) VALUES (\(key), \(expected))")
            }
        }
        try connection.execute("""
            INSERT INTO meta(key, value) VALUES ('schema', \(version)), ('store_id', gen_random_uuid()::text)
            ON CONFLICT (key) DO NOTHING
            """)
        guard let schema = try connection.value("SELECT value FROM meta WHERE key = 'schema'", as: String.self), schema == version else {
            throw StoreError(message: "the PostgreSQL database holds a newer newsdedup schema than this build's \(version)", kind: .fatal)
        }
        let identity = try connection.value("SELECT value FROM meta WHERE key = 'store_id'", as: String.self) ?? ""
        if let expecting, identity != expecting {
            throw StoreError(message: "the PostgreSQL database \(display) now holds store \(identity), not \(expecting) "
                + "that this daemon opened", kind: .lost)
        }
        return identity
    }
}
