import Configuration
import ControlProtocol
import Foundation
import SystemPackage

/// The daemon's effective settings, after layering: built-in defaults < configuration file <
/// environment (`NEWSDEDUP_<KEY>`) < command-line flags.
public struct DaemonSettings: Sendable {
    public var inbox: String
    /// Claimed files wait here between claim and commit; must be on the inbox's file system.
    public var processing: String
    public var processed: String
    public var quarantine: String
    public var store: String
    public var socket: String
    public var pollInterval: Double
    public var maxDistance: Int
    public var maxFileSize: Int
    public var batchSize: Int
    public var logLevel: String
    /// Seconds a file written in place must stay unchanged (across two looks) before it is taken.
    public var minFileAge: Double
    /// A shell glob of names never touched, besides dotfiles, `*.tmp` and `*.part`.
    public var exclude: String?
    /// The group given the control socket (its members may read through it).
    public var socketGroup: String?
    /// Seconds a control connection may stay silent with no request in progress.
    public var controlIdleTimeout: Double
    /// Control connections open at once, at most.
    public var controlMaxConnections: Int
    /// The dedup window in days: older articles leave the near-duplicate index (0: keep all).
    public var retentionDays: Double
    /// With a window: delete older articles (and their duplicates and feed records) instead.
    public var retentionDelete: Bool

    /// Every key, its meaning and its default: what `--check-config` and the example config show.
    /// Paths default to siblings of the inbox's parent, so `--inbox DIR` alone keeps everything
    /// together; with no settings at all, everything lives under `./var/`.
    public static let keys: [(key: String, help: String)] = [
        ("inbox", "directory producers drop articles into (default: var/inbox)"),
        ("processing", "claimed files, a folder per batch, until committed (default: <inbox>/../processing)"),
        ("processed", "committed files, as DAY/BATCH/NAME (default: <inbox>/../processed)"),
        ("quarantine", "files that cannot be ingested, with NAME.reason (default: <inbox>/../quarantine)"),
        ("store", "SQLite store (default: <inbox>/../store.sqlite)"),
        ("socket", "control socket (default: <inbox>/../control.sock)"),
        ("poll_interval", "seconds between inbox polls (default: 2)"),
        ("max_distance", "near-duplicate Hamming distance, 0-16 (default: \(NearDuplicateDefaults.maxDistance))"),
        ("max_file_size", "bytes; larger files are quarantined (default: 16777216)"),
        ("batch_size", "files committed per transaction at most (default: 256; also at most 64 MiB of files)"),
        ("log_level", "trace, debug, info, notice, warning, error or critical (default: info)"),
        ("min_file_age", "seconds a file written in place must stay unchanged before it is taken (default: 1)"),
        ("exclude", "shell glob of further names never touched (default: none)"),
        ("socket_group", "group whose members may use the control socket to read (default: the daemon's group)"),
        ("control_idle_timeout", "seconds a silent control connection stays open (default: 60)"),
        ("control_max_connections", "control connections at once, at most (default: 1024)"),
        ("retention_days", "dedup window: older articles leave the near-duplicate index (default: 0, keep all)"),
        ("retention_delete", "true: delete older articles from the store instead (default: false)"),
    ]

    /// Resolves the settings. `flags` holds only the flags the user gave.
    public static func resolve(
        flags: [String: String], configFile: String?, environment: [String: String]
    ) async throws(SettingsError) -> DaemonSettings {
        try EnvironmentKeys.checkKnown(environment, known: keys.map(\.key))
        var fileKeys: [String: Int] = [:]
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: Dictionary(uniqueKeysWithValues: flags.map {
                (AbsoluteConfigKey($0.key.split(separator: ".").map(String.init)), ConfigValue(.string($0.value), isSecret: false))
            })),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "newsdedup"),
        ]
        if let configFile {
            // The system's reason in a sentence first: the library's error for a directory or an
            // unreadable file is Foundation's NSCocoaErrorDomain dump.
            let fd = open(configFile, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw SettingsError(key: "config", message: "cannot read \(configFile): \(String(cString: strerror(errno)))")
            }
            var status = stat()
            let isDirectory = fstat(fd, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
            close(fd)
            if isDirectory { throw SettingsError(key: "config", message: "cannot read \(configFile): it is a directory, not a file") }
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(configFile)))
            } catch {
                throw SettingsError(key: "config", message: "cannot read \(configFile): \(error)")
            }
            // Read again for its keys: the file parsed, so it is there and is YAML.
            if let text = try? String(contentsOfFile: configFile, encoding: .utf8) {
                try ConfigFileKeys.checkKnown(text, file: configFile, known: keys.map(\.key))
                for (line, key) in ConfigFileKeys.topLevel(in: text) { fileKeys[key] = line }
            }
        }
        let reader = LayeredReader(reader: ConfigReader(providers: providers), fileKeys: fileKeys, file: configFile)
        let inbox = try reader.path("inbox", default: "var/inbox")
        let home = (inbox as NSString).deletingLastPathComponent.isEmpty ? "." : (inbox as NSString).deletingLastPathComponent
        func sibling(_ name: String) -> String { (home as NSString).appendingPathComponent(name) }

        let settings = DaemonSettings(
            inbox: inbox,
            processing: try reader.path("processing", default: sibling("processing")),
            processed: try reader.path("processed", default: sibling("processed")),
            quarantine: try reader.path("quarantine", default: sibling("quarantine")),
            store: try reader.path("store", default: sibling("store.sqlite")),
            socket: try reader.path("socket", default: sibling("control.sock")),
            pollInterval: try reader.number("poll_interval", default: 2.0, in: 0.01...86_400),
            maxDistance: try reader.whole("max_distance", default: NearDuplicateDefaults.maxDistance, in: 0...16),
            maxFileSize: try reader.whole("max_file_size", default: 16 << 20, in: 1...(1 << 30)),
            batchSize: try reader.whole("batch_size", default: 256, in: 1...10_000),
            logLevel: try reader.value("log_level", default: "info",
                                       expected: "one of trace, debug, info, notice, warning, error, critical") {
                ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains($0) ? $0 : nil
            },
            minFileAge: try reader.number("min_file_age", default: 1.0, in: 0...3600),
            exclude: try reader.value("exclude", default: nil as String?, expected: "a shell glob") { $0.isEmpty ? nil : $0 },
            socketGroup: try reader.value("socket_group", default: nil as String?, expected: "a group name or number") {
                $0.isEmpty ? nil : $0
            },
            controlIdleTimeout: try reader.number("control_idle_timeout", default: 60.0, in: 0.1...86_400),
            controlMaxConnections: try reader.whole("control_max_connections", default: 1024, in: 1...65_536),
            retentionDays: try reader.number("retention_days", default: 0.0, in: 0...36_500),
            retentionDelete: try reader.value("retention_delete", default: false, expected: "true or false") {
                ["true": true, "false": false][$0.lowercased()]
            }
        )
        guard settings.socket.utf8.count <= ControlProtocol.maxSocketPathBytes else {
            throw SettingsError(key: "socket", message: "path is \(settings.socket.utf8.count) bytes; Linux allows \(ControlProtocol.maxSocketPathBytes)")
        }
        return settings
    }

    /// The effective settings, one `key: value` line each.
    public var description: String {
        [
            ("inbox", inbox), ("processing", processing), ("processed", processed), ("quarantine", quarantine),
            ("store", store), ("socket", socket), ("poll_interval", "\(pollInterval)"), ("max_distance", "\(maxDistance)"),
            ("max_file_size", "\(maxFileSize)"), ("batch_size", "\(batchSize)"), ("log_level", logLevel),
            ("min_file_age", "\(minFileAge)"), ("exclude", exclude ?? "(none)"), ("socket_group", socketGroup ?? "(the daemon's)"),
            ("control_idle_timeout", "\(controlIdleTimeout)"), ("control_max_connections", "\(controlMaxConnections)"),
            ("retention_days", "\(retentionDays)"), ("retention_delete", "\(retentionDelete)"),
        ].map { "\($0.0): \($0.1)" }.joined(separator: "\n")
    }
}

/// A setting that is missing, unreadable or out of range, with the key that is wrong.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let message: String

    public var description: String { "configuration key \"\(key)\": \(message)" }
}

/// Reads each setting from whichever layer has it and checks its type and range: a value that
/// does not parse, is out of range, or is a list or map where one value belongs is an error
/// naming the key, the file's line and what was expected, never a silent fall-back to the
/// default (the configuration library returns nothing for a wrongly shaped key).
private struct LayeredReader {
    let reader: ConfigReader
    /// The top-level keys the configuration file sets, with their lines.
    let fileKeys: [String: Int]
    let file: String?

    func value<T>(_ key: String, default defaultValue: T, expected: String, parse: (String) -> T?) throws(SettingsError) -> T {
        let configKey = ConfigKey(key)
        guard let text = reader.string(forKey: configKey) ?? reader.int(forKey: configKey).map(String.init)
            ?? reader.double(forKey: configKey).map({ String($0) }) ?? reader.bool(forKey: configKey).map({ String($0) })
        else {
            if let line = fileKeys[key], let file {
                throw SettingsError(key: key, message: "\(file) line \(line): expected \(expected), found a list, a map or nothing")
            }
            return defaultValue
        }
        guard let value = parse(text.trimmingCharacters(in: .whitespaces)) else {
            let place = fileKeys[key].map { line in file.map { "\($0) line \(line): " } ?? "" } ?? ""
            throw SettingsError(key: key, message: "\(place)invalid value \"\(text)\": expected \(expected)")
        }
        return value
    }

    func path(_ key: String, default defaultValue: String) throws(SettingsError) -> String {
        try value(key, default: defaultValue, expected: "a path") { $0.isEmpty || $0.contains("\0") ? nil : $0 }
    }

    /// A finite number of seconds (or days) within `range`.
    func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(SettingsError) -> Double {
        try value(key, default: defaultValue, expected: "a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))") {
            Double($0).flatMap { $0.isFinite && range.contains($0) ? $0 : nil }
        }
    }

    func whole(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(SettingsError) -> Int {
        try value(key, default: defaultValue, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
