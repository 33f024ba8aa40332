import Foundation

/// A request: `{"version":1,"command":"status"}`. Members beyond `version` and `command`
/// belong to particular commands and are ignored by the others.
public struct Request: Codable, Sendable, Equatable {
    public enum Command: String, Codable, Sendable, CaseIterable {
        case status, show, export, similar, duplicates, check, metrics
        case quarantineList = "quarantine_list"
        case pause, resume, rescan, backup, reload
        case quarantineRetry = "quarantine_retry"

        /// Changes what the daemon does or writes files: root and the daemon's user only.
        public var isMutating: Bool {
            switch self {
            case .pause, .resume, .rescan, .backup, .quarantineRetry, .reload: true
            default: false
            }
        }
    }

    public var version: Int
    public var command: Command
    /// `show`, `duplicates`: the article id.
    public var id: Int64?
    /// `export`: only records with a larger `seq`.
    public var since: Int64?
    /// `export`: at most this many records.
    public var limit: Int?
    /// `export`: keep the connection open and send new records as they are committed.
    public var follow: Bool?
    /// `similar`: the fingerprint to look up (16 hex digits) and the SHA-256 of the normalised
    /// text (64 hex digits), computed by the client: the text itself would not fit in 4 KiB.
    public var simhash: String?
    public var sha256: String?
    /// `similar`: the lead fingerprint (16 hex digits), so copies cut short are found too.
    public var leadSimhash: String?
    /// `similar`: the text's anchors (8 hex digits each, at most 16), so copies with a new top,
    /// chrome or deep cuts are found too.
    public var anchors: [String]?
    /// `backup`: where to write the copy (a path on the daemon's machine; must not exist).
    /// Without it, the daemon writes into a `backups` directory beside its store.
    public var path: String?
    /// `backup`: "DEVICE:INODE" of the path's directory as the client sees it, so the daemon can
    /// tell when it would write somewhere else under the same name (a private /tmp under
    /// systemd's `PrivateTmp=`, another mount namespace).
    public var directory: String?
    /// `quarantine_retry`: the quarantined file's name, as `quarantine_list` shows it.
    public var name: String?

    enum CodingKeys: String, CodingKey {
        case version, command, id, since, limit, follow, simhash, sha256, leadSimhash = "lead_simhash", anchors, path, directory, name
    }

    public init(command: Command, id: Int64? = nil, since: Int64? = nil, limit: Int? = nil, follow: Bool? = nil,
                simhash: String? = nil, sha256: String? = nil, leadSimhash: String? = nil, anchors: [String]? = nil,
                path: String? = nil, directory: String? = nil, name: String? = nil) {
        self.leadSimhash = leadSimhash
        self.anchors = anchors
        self.version = ControlProtocol.version
        self.command = command
        self.id = id
        self.since = since
        self.limit = limit
        self.follow = follow
        self.simhash = simhash
        self.sha256 = sha256
        self.path = path
        self.directory = directory
        self.name = name
    }
}

extension Request {
    /// The directory a `backup` path's file goes in: what `directory` identifies, named the same
    /// way on both sides.
    public static func directory(ofBackup path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "/" : parent
    }
}
