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

    /// Takes over what can change live; returns the live keys that changed and the keys that
    /// changed but need a restart (those keep their running value). Which is which: the
    /// settings table.
    func apply(_ new: DaemonSettings) -> (applied: [String], needRestart: [String]) {
        current.withLock { running in
            var applied: [String] = []
            var needRestart: [String] = []
            for setting in DaemonSettings.table where setting.differs(running, new) {
                if setting.live {
                    setting.take(&running, new)
                    applied.append(setting.key)
                } else {
                    needRestart.append(setting.key)
                }
            }
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

    /// A handler on standard error whose level follows this one: journal lines with priorities
    /// when standard error is the journal, timestamped stream lines elsewhere.
    public func handler(label: String, journalStream: String?) -> any LogHandler {
        JournalLogHandler.isJournal(2, stream: journalStream)
            ? JournalLogHandler(level: self)
            : FollowingLevelHandler(base: StreamLogHandler.standardError(label: label), level: self)
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
