import Glibc
import Logging
import SystemSupport

/// Log lines for systemd's journal. When standard error is the journal's stream (systemd sets
/// `$JOURNAL_STREAM` to its device and inode), each line starts with its syslog priority
/// (`<4>` for a warning) and carries no timestamp of its own: the journal stamps it, and
/// `journalctl -p warning` can then filter. Anywhere else the daemon logs as before.
struct JournalLogHandler: LogHandler {
    let level: LiveLogLevel
    var metadata: Logger.Metadata = [:]

    var logLevel: Logger.Level {
        get { level.value }
        set { /* the daemon's level is set by configuration only */ }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let line = Self.line(level: event.level, message: "\(event.message)", metadata: merged)
        // One write per line: the journal's stream keeps it whole.
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }

    /// `<priority>message key=value …`, metadata sorted by key, and a newline.
    static func line(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        let pairs = metadata.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        return "<\(priority(level))>\(message)\(pairs)\n"
    }

    /// syslog(3) priorities, as sd-daemon(3) reads them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Whether `fd` is the stream `$JOURNAL_STREAM` ("DEVICE:INODE") names.
    static func isJournal(_ fd: Int32, stream: String?) -> Bool {
        guard let stream, let named = FileIdentity(parsing: stream) else { return false }
        return FileIdentity(descriptor: fd) == named
    }
}
