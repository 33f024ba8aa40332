import ArticleStore
import ControlProtocol
import Foundation
import Glibc
import SystemSupport

/// Where a `backup` goes. Under its unit the daemon does not see the file system as the
/// operator does: `PrivateTmp=` gives it its own /tmp and /var/tmp (a copy written to
/// /tmp/x.sqlite would land where no one looks and vanish at stop), and `ProtectSystem=strict`
/// lets it write only its spool and state. So the client sends the destination directory's
/// device and inode as it sees them, a path the daemon sees otherwise is refused with the
/// reason, and without a path the copy goes into `backups/` beside the store, which both see.
enum BackupDestination {
    struct Refusal: Error {
        let code: ErrorCode
        let message: String
    }

    /// The default directory: `backups/` beside the store.
    static func directory(store: String) -> String {
        let parent = (store as NSString).deletingLastPathComponent
        return (parent.isEmpty ? "." : parent) + "/backups"
    }

    static func resolve(_ request: Request, store: String, now: Date) -> Result<String, Refusal> {
        let backups = directory(store: store)
        guard let path = request.path else {
            if mkdir(backups, 0o750) != 0, errno != EEXIST {
                return .failure(Refusal(code: .fileSystemFailure, message: "cannot create \(backups): \(String(cString: strerror(errno)))"))
            }
            return .success("\(backups)/store-\(stamp(now)).sqlite")
        }
        guard path.hasPrefix("/") else { return .failure(Refusal(code: .invalidArgument, message: "backup needs an absolute \"path\"")) }
        if let seen = request.directory {
            let parent = Request.directory(ofBackup: path)
            if FileIdentity(path: parent) != FileIdentity(parsing: seen) {
                return .failure(Refusal(code: .fileSystemFailure, message:
                    "\(parent) is not the directory you see: the daemon has its own view of it (systemd's PrivateTmp= gives "
                    + "it a private /tmp and /var/tmp), so the copy would not be where you look; back up without a path to "
                    + "write into \(backups)/, or to a directory you share with the daemon"))
            }
        }
        return .success(path)
    }

    /// What to do about a destination the daemon may not write.
    static func hint(for error: StoreError) -> String {
        guard error.kind == .destination,
              [EROFS, EACCES, EPERM].contains(where: { error.message.hasSuffix(String(cString: strerror($0))) }) else { return "" }
        return " (under its unit the daemon may write only its spool and state directories: back up without a path to "
            + "write into the store's backups/ directory)"
    }

    /// 20261130T042453Z: sorts by time, no characters a shell or another system minds.
    static func stamp(_ date: Date) -> String {
        let text = RFC3339.string(fromMilliseconds: Int64(date.timeIntervalSince1970 * 1000))
        // 2026-11-30T04:24:53.123Z → 20261130T042453Z
        let whole = text.split(separator: ".").first.map(String.init) ?? text
        return whole.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
            .replacingOccurrences(of: "Z", with: "") + "Z"
    }
}
