import ControlProtocol
import Foundation
import PostgresStore
import SystemSupport

/// One setting, everything about it in one place: its key, type, default and range (in `read`),
/// whether a reload applies it, its help line, and its comment and value in the shipped
/// configuration. Parsing, `--check-config`, `--help`, reload and `config/newsdedup.yaml` all
/// come from `DaemonSettings.table`; a test keeps the shipped file equal to what it generates.
public struct Setting: Sendable {
    public let key: String
    /// One line for `--help`.
    public let summary: String
    /// The shipped configuration's comment, a line per element (without "# ").
    let comment: [String]
    /// A reload applies it from the next file, poll or connection on; otherwise it needs a restart.
    public let live: Bool
    /// The value written in the shipped configuration (a server's paths); nil: shown commented
    /// out with `example`.
    let shipped: String?
    let example: String?
    fileprivate let read: @Sendable (LayeredReader, inout DaemonSettings) throws(SettingsError) -> Void
    /// The effective value, as `--check-config` prints it.
    let show: @Sendable (DaemonSettings) -> String
    let differs: @Sendable (DaemonSettings, DaemonSettings) -> Bool
    /// Takes this setting's value from the new settings (a live reload).
    let take: @Sendable (inout DaemonSettings, DaemonSettings) -> Void

    fileprivate init<T: Equatable & Sendable>(
        _ key: String, _ path: any WritableKeyPath<DaemonSettings, T> & Sendable, live: Bool, summary: String, comment: [String],
        shipped: String?, example: String? = nil, show: @escaping @Sendable (T) -> String,
        read: @escaping @Sendable (LayeredReader, DaemonSettings) throws(SettingsError) -> T
    ) {
        self.key = key
        self.summary = summary
        self.comment = comment
        self.live = live
        self.shipped = shipped
        self.example = example
        self.read = { (reader, settings) throws(SettingsError) in settings[keyPath: path] = try read(reader, settings) }
        self.show = { show($0[keyPath: path]) }
        differs = { $0[keyPath: path] != $1[keyPath: path] }
        take = { $0[keyPath: path] = $1[keyPath: path] }
    }
}

extension DaemonSettings {
    /// Every setting, in the order they are read and shown. The inbox comes first: the other
    /// paths default to its siblings, so `--inbox DIR` alone keeps everything together; with no
    /// settings at all, everything lives under `./var/`.
    public static let table: [Setting] = [
        Setting("inbox", \.inbox, live: false, summary: "Directory producers drop articles into (default: var/inbox).",
                comment: ["Directory producers drop articles into. Write under a temporary name (dotfile, *.tmp or",
                          "*.part, which are never touched) and rename into place. Default: var/inbox."],
                shipped: "/var/spool/newsdedup/inbox", show: { $0 }) { reader, _ throws(SettingsError) in
            try reader.path("inbox", default: "var/inbox")
        },
        Setting("processing", \.processing, live: false,
                summary: "Claimed files, a folder per batch, until committed (default: <inbox>/../processing).",
                comment: ["Claimed files wait here, a folder per batch, until their rows are committed. Must be on the",
                          "inbox's file system. Default: \"processing\" beside the inbox."],
                shipped: "/var/spool/newsdedup/processing", show: { $0 }) { reader, settings throws(SettingsError) in
            try reader.path("processing", default: sibling(of: settings.inbox, "processing"))
        },
        Setting("processed", \.processed, live: false,
                summary: "Where committed files are moved, as DAY/BATCH/NAME (default: <inbox>/../processed).",
                comment: ["Files whose row is committed, as DAY/BATCH/NAME (DAY in UTC, one folder per batch).",
                          "Default: \"processed\" beside the inbox."],
                shipped: "/var/spool/newsdedup/processed", show: { $0 }) { reader, settings throws(SettingsError) in
            try reader.path("processed", default: sibling(of: settings.inbox, "processed"))
        },
        Setting("quarantine", \.quarantine, live: false,
                summary: "Where files that cannot be ingested go, with .NAME.reason (default: <inbox>/../quarantine).",
                comment: ["Files that cannot be ingested, each with .NAME.reason. Default: \"quarantine\" beside the inbox."],
                shipped: "/var/spool/newsdedup/quarantine", show: { $0 }) { reader, settings throws(SettingsError) in
            try reader.path("quarantine", default: sibling(of: settings.inbox, "quarantine"))
        },
        Setting("store", \.store, live: false,
                summary: "SQLite store file, or a postgresql:// URI shared by several daemons (default: <inbox>/../store.sqlite).",
                comment: ["The SQLite store, or a PostgreSQL database several daemons share for one verdict and one",
                          "feed: postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE, or with ?host=/socket/dir.",
                          "Default: \"store.sqlite\" beside the inbox."],
                shipped: "/var/lib/newsdedup/store.sqlite",
                show: Daemon.displayed(store:)) { reader, settings throws(SettingsError) in
            let store = try reader.path("store", default: sibling(of: settings.inbox, "store.sqlite"))
            if PostgresLocation.isURI(store) {
                do throws(PostgresLocationError) {
                    _ = try PostgresLocation(uri: store)
                } catch {
                    throw SettingsError(key: "store", message: error.description)
                }
            }
            return store
        },
        Setting("socket", \.socket, live: false,
                summary: "Control socket path, at most \(ControlProtocol.maxSocketPathBytes) bytes (default: <inbox>/../control.sock).",
                comment: ["The control socket (at most \(ControlProtocol.maxSocketPathBytes) bytes). Default: \"control.sock\" beside the inbox."],
                shipped: "/run/newsdedup/control.sock", show: { $0 }) { reader, settings throws(SettingsError) in
            let socket = try reader.path("socket", default: sibling(of: settings.inbox, "control.sock"))
            guard socket.utf8.count <= ControlProtocol.maxSocketPathBytes else {
                throw SettingsError(key: "socket", message: "path is \(socket.utf8.count) bytes; Linux allows \(ControlProtocol.maxSocketPathBytes)")
            }
            return socket
        },
        Setting("poll_interval", \.pollInterval, live: true, summary: "Seconds between inbox polls, 0.01-86400 (default: 2).",
                comment: ["Seconds between inbox polls (inotify wakes the daemon sooner). Default: 2."],
                shipped: "2", show: { "\($0)" }) { reader, _ throws(SettingsError) in
            try reader.number("poll_interval", default: 2, in: 0.01...86_400)
        },
        Setting("max_distance", \.maxDistance, live: true,
                summary: "Near-duplicate Hamming distance, 0-16 (default: \(NearDuplicateDefaults.maxDistance)).",
                comment: ["Near-duplicate threshold: Hamming distance of the 64-bit SimHashes, 0-16, chosen from",
                          "measurement (see README, \"How near is near\"). Default: \(NearDuplicateDefaults.maxDistance)."],
                shipped: "\(NearDuplicateDefaults.maxDistance)", show: { "\($0)" }) { reader, _ throws(SettingsError) in
            try reader.whole("max_distance", default: NearDuplicateDefaults.maxDistance, in: 0...16)
        },
        Setting("max_file_size", \.maxFileSize, live: true,
                summary: "Bytes; larger files are quarantined unread (default: 16777216).",
                comment: ["Files larger than this many bytes are quarantined unread. Default: 16777216 (16 MiB)."],
                shipped: "16777216", show: { "\($0)" }) { reader, _ throws(SettingsError) in
            try reader.whole("max_file_size", default: 16 << 20, in: 1...(1 << 30))
        },
        Setting("batch_size", \.batchSize, live: true,
                summary: "Files committed per transaction at most, 1-10000 (default: 256; also at most 64 MiB of files).",
                comment: ["At most this many files are committed in one transaction (and at most 64 MiB of them).",
                          "Default: 256."],
                shipped: "256", show: { "\($0)" }) { reader, _ throws(SettingsError) in
            try reader.whole("batch_size", default: 256, in: 1...10_000)
        },
        Setting("log_level", \.logLevel, live: true,
                summary: "trace, debug, info, notice, warning, error or critical (default: info).",
                comment: ["trace, debug, info, notice, warning, error or critical. Default: info."],
                shipped: "info", show: { $0 }) { reader, _ throws(SettingsError) in
            try reader.value("log_level", default: "info", expected: "one of trace, debug, info, notice, warning, error, critical") {
                ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains($0) ? $0 : nil
            }
        },
        Setting("min_file_age", \.minFileAge, live: true,
                summary: "Seconds a file written in place must stay unchanged before it is taken, 0-3600 (default: 1).",
                comment: ["Seconds a file written in place must stay unchanged (size, mtime, inode), across two looks,",
                          "before it is taken. Files renamed into the inbox are taken at once. Default: 1."],
                shipped: "1", show: { "\($0)" }) { reader, _ throws(SettingsError) in
            try reader.number("min_file_age", default: 1, in: 0...3600)
        },
        Setting("exclude", \.exclude, live: true, summary: "Shell glob of further names never touched (default: none).",
                comment: ["A shell glob of further names never touched (dotfiles, *.tmp and *.part never are).",
                          "Default: none."],
                shipped: nil, example: "\"*.incoming\"", show: { $0 ?? "(none)" }) { reader, _ throws(SettingsError) in
            try reader.optional("exclude", expected: "a shell glob")
        },
        Setting("socket_group", \.socketGroup, live: false,
                summary: "Group whose members may use the control socket to read (default: the daemon's group).",
                comment: ["The group given the control socket: its members may read (status, export, similar, …);",
                          "only root and the daemon's own user may change things (pause, resume, rescan, backup,",
                          "quarantine retry). Default: the daemon's own group."],
                shipped: nil, example: "newsdedup-readers", show: { $0 ?? "(the daemon's)" }) { reader, _ throws(SettingsError) in
            // A group that does not exist is refused here, so `--check-config` says so, rather
            // than when the socket is bound.
            try reader.optional("socket_group", expected: "the name or number of a group on this system") { SystemGroup.id(of: $0) != nil }
        },
        Setting("control_idle_timeout", \.controlIdleTimeout, live: true,
                summary: "Seconds a silent control connection stays open, 0.1-86400 (default: 60).",
                comment: ["Seconds a control connection may stay silent with no request in progress (a follower of",
                          "`export --follow` is in progress). Default: 60."],
                shipped: "60", show: { "\($0)" }) { reader, _ throws(SettingsError) in
            try reader.number("control_idle_timeout", default: 60, in: 0.1...86_400)
        },
        Setting("control_max_connections", \.controlMaxConnections, live: false,
                summary: "Control connections at once, at most, 1-65536 (default: 1024).",
                comment: ["Control connections open at once, at most; one more gets error 8004. Default: 1024."],
                shipped: "1024", show: { "\($0)" }) { reader, _ throws(SettingsError) in
            try reader.whole("control_max_connections", default: 1024, in: 1...65_536)
        },
        Setting("metrics_listen", \.metricsListen, live: false,
                summary: "HOST:PORT of an HTTP listener serving /metrics to Prometheus (default: off).",
                comment: ["HOST:PORT of an HTTP listener that serves GET /metrics (the Prometheus text format, as",
                          "`newsdedupctl metrics` prints it), e.g. 127.0.0.1:9464 or [::1]:9464. Default: off. The",
                          "shipped unit gives the daemon no network: see its comments for the lines to change."],
                shipped: nil, example: "127.0.0.1:9464", show: { $0 ?? "(off)" }) { reader, _ throws(SettingsError) in
            try reader.optional("metrics_listen", expected: "HOST:PORT, an IP address or host name and a port from 1 to 65535") {
                HTTPEndpoint($0) != nil
            }
        },
        Setting("retention_days", \.retentionDays, live: true,
                summary: "Dedup window in days: older articles leave the near-duplicate index (default: 0, keep all).",
                comment: ["The dedup window, in days: articles received longer ago leave the near-duplicate index, so",
                          "it stays bounded on a long-running server; they still catch exact copies. Applied at",
                          "start, hourly and on reload. Default: 0 (keep everything in the index)."],
                shipped: "0", show: { "\($0)" }) { reader, _ throws(SettingsError) in
            try reader.number("retention_days", default: 0, in: 0...36_500)
        },
        Setting("retention_delete", \.retentionDelete, live: true,
                summary: "true: delete older articles from the store instead (default: false).",
                comment: ["With a window, true deletes the older articles from the store instead, with their",
                          "duplicates and their feed records. Default: false."],
                shipped: "false", show: { "\($0)" }) { reader, _ throws(SettingsError) in
            try reader.value("retention_delete", default: false, expected: "true or false") { ["true": true, "false": false][$0.lowercased()] }
        },
        Setting("keep_processed", \.keepProcessed, live: true,
                summary: "Days committed files stay in processed/: forever, or 0-36500; 0 deletes them once committed (default: forever).",
                comment: ["How long committed files stay in processed/: forever, or a number of days (0: deleted as",
                          "soon as committed). The store keeps every received item's bytes, duplicates' included",
                          "(`newsdedupctl show ID`), so processed/ is only a convenience. Whole days are removed",
                          "hourly. Default: forever."],
                shipped: "forever", show: { $0.map { "\($0)" } ?? "forever" }) { reader, _ throws(SettingsError) in
            try reader.value("keep_processed", default: nil as Int?,
                             expected: "forever, or a whole number of days from 0 to 36500 (0: delete once committed)") { text -> Int?? in
                if text.lowercased() == "forever" { return .some(nil) }
                guard let days = Int(text), (0...36_500).contains(days) else { return .none }
                return .some(days)
            }
        },
    ]

    /// Every key, for the configuration file's and the environment's checks.
    public static var keys: [String] { table.map(\.key) }

    /// The setting named `key` (a key of the table).
    public static func setting(_ key: String) -> Setting {
        guard let setting = table.first(where: { $0.key == key }) else { preconditionFailure("no setting \(key)") }
        return setting
    }

    /// The settings with nothing given: every default.
    static var defaults: DaemonSettings {
        DaemonSettings(inbox: "", processing: "", processed: "", keepProcessed: nil, quarantine: "", store: "", socket: "", pollInterval: 0,
                       maxDistance: 0, maxFileSize: 0, batchSize: 0, logLevel: "", minFileAge: 0, exclude: nil, socketGroup: nil,
                       controlIdleTimeout: 0, controlMaxConnections: 0, metricsListen: nil, retentionDays: 0, retentionDelete: false)
    }

    /// Reads every setting through `reader`, in the table's order.
    static func read(_ reader: LayeredReader) throws(SettingsError) -> DaemonSettings {
        var settings = defaults
        for setting in table { try setting.read(reader, &settings) }
        return settings
    }

    /// The shipped configuration file (`config/newsdedup.yaml`), from the table.
    public static func shippedConfiguration() -> String {
        var lines = [
            "# newsdedupd configuration, installed as /etc/newsdedup/newsdedup.yaml.",
            "#",
            "# Precedence: built-in defaults < this file < environment variables NEWSDEDUP_<KEY> (for",
            "# example NEWSDEDUP_POLL_INTERVAL=5) < command-line flags (--poll-interval 5).",
            "# `newsdedupd --config FILE --check-config` prints the effective values and \"configuration OK\",",
            "# or names the key that is wrong. SIGHUP (or `newsdedupctl reload`) re-reads this file: the",
            "# settings marked \"Applies on reload\" apply at once, the others need a restart.",
            "# This file is generated: `newsdedupd --print-configuration` prints it.",
        ]
        for setting in table {
            lines.append("")
            lines += setting.comment.map { "# \($0)" }
            lines.append(setting.live ? "# Applies on reload." : "# Needs a restart.")
            if let value = setting.shipped {
                lines.append("\(setting.key): \(value)")
            } else {
                lines.append("# \(setting.key): \(setting.example ?? "")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The effective settings, one `key: value` line each.
    public var description: String {
        Self.table.map { "\($0.key): \($0.show(self))" }.joined(separator: "\n")
    }
}

/// `name` beside the inbox.
private func sibling(of inbox: String, _ name: String) -> String {
    let parent = (inbox as NSString).deletingLastPathComponent
    return ((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(name)
}
