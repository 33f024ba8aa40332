public import Logging
import Synchronization

/// The settings a running daemon reads, replaced in part on reload (SIGHUP or
/// `newsdedupctl reload`). Everyone reads `value` at the moment of use, so a reload applies
/// from the next file, poll or connection on.
final class LiveSettings: Sendable {
    private let current: Mutex<DaemonSettings>
    let logLevel: LiveLogLevel

    init(_ settings: DaemonSettings, logLevel: LiveLogLevel) {
        current = Mutex(settings)
        self.logLevel = logLevel
    }

    var value: DaemonSettings { current.withLock { $0 } }

    /// Keys a running daemon can take over, and keys that only a restart applies.
    static let liveKeys = ["poll_interval", "max_distance", "min_file_age", "batch_size", "max_file_size",
                           "exclude", "log_level", "control_idle_timeout", "retention_days", "retention_delete"]

    /// Takes over what can change live; returns the live keys that changed and the keys that
    /// changed but need a restart (those keep their running value).
    func apply(_ new: DaemonSettings) -> (applied: [String], needRestart: [String]) {
        current.withLock { running in
            let old = running
            var applied: [String] = []
            var needRestart: [String] = []
            func live<T: Equatable>(_ key: String, _ path: WritableKeyPath<DaemonSettings, T>) {
                if old[keyPath: path] != new[keyPath: path] {
                    running[keyPath: path] = new[keyPath: path]
                    applied.append(key)
                }
            }
            func restart<T: Equatable>(_ key: String, _ path: KeyPath<DaemonSettings, T>) {
                if old[keyPath: path] != new[keyPath: path] { needRestart.append(key) }
            }
            live("poll_interval", \.pollInterval)
            live("max_distance", \.maxDistance)
            live("min_file_age", \.minFileAge)
            live("batch_size", \.batchSize)
            live("max_file_size", \.maxFileSize)
            live("exclude", \.exclude)
            live("log_level", \.logLevel)
            live("control_idle_timeout", \.controlIdleTimeout)
            live("retention_days", \.retentionDays)
            live("retention_delete", \.retentionDelete)
            restart("inbox", \.inbox)
            restart("processing", \.processing)
            restart("processed", \.processed)
            restart("quarantine", \.quarantine)
            restart("store", \.store)
            restart("socket", \.socket)
            restart("socket_group", \.socketGroup)
            restart("control_max_connections", \.controlMaxConnections)
            logLevel.set(Logger.Level(rawValue: running.logLevel) ?? .info)
            return (applied, needRestart)
        }
    }
}

/// The log level every log handler of the daemon reads, so a reload changes it everywhere.
public final class LiveLogLevel: Sendable {
    private let level: Atomic<UInt8>

    public init(_ level: Logger.Level) { self.level = Atomic(Self.code(level)) }

    public var value: Logger.Level { Logger.Level.allCases[Int(level.load(ordering: .relaxed))] }
    func set(_ new: Logger.Level) { level.store(Self.code(new), ordering: .relaxed) }

    private static func code(_ level: Logger.Level) -> UInt8 { UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 2) }

    /// A stream handler on standard error whose level follows this one.
    public func handler(label: String) -> any LogHandler {
        FollowingLevelHandler(base: StreamLogHandler.standardError(label: label), level: self)
    }
}

/// StreamLogHandler with its level taken from a `LiveLogLevel` at every message.
struct FollowingLevelHandler: LogHandler {
    var base: StreamLogHandler
    let level: LiveLogLevel

    var logLevel: Logger.Level {
        get { level.value }
        set { /* the daemon's level is set by configuration only */ }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var base = base
        base.logLevel = .trace
        base.log(event: event)
    }
}
