import Glibc
import NIOConcurrencyHelpers

/// How many control connections may be open, and for whom. Every connection is a descriptor,
/// and ingest needs descriptors too (the inbox listing, each file read, the store): under
/// systemd's default soft limit of 1024, 1,100 idle connections from one group member left
/// ingest with "Too many open files" while the state said running. So the soft limit is raised
/// to the hard one at start, `reservedDescriptors` stay for ingest whatever
/// `control_max_connections` says, and the group's readers may fill all but
/// `privilegedReserve` of the connections: root and the daemon's user always get in.
final class ConnectionLimits: Sendable {
    static let reservedDescriptors = 256
    static let privilegedReserve = 16

    let total: Int
    let descriptorLimit: Int
    private let open = NIOLockedValueBox<[ObjectIdentifier: Bool]>([:])

    init(configured: Int) {
        descriptorLimit = Self.raiseDescriptorLimit()
        total = max(1, min(configured, descriptorLimit - Self.reservedDescriptors))
        readerLimit = total - min(Self.privilegedReserve, total / 4)
    }

    /// Connections the group's readers may hold together: all but a quarter of a small cap,
    /// all but `privilegedReserve` of a large one.
    let readerLimit: Int

    /// Nil when the connection may stay (and it is counted), else why not.
    func admit(_ id: ObjectIdentifier, privileged: Bool) -> String? {
        open.withLockedValue { open in
            let readers = open.values.filter { !$0 }.count
            if open.count >= total {
                return "too many control connections (\(total)); try again later"
            }
            if !privileged, readers >= readerLimit {
                return "too many read-only control connections (\(readerLimit)); try again later"
            }
            open[id] = privileged
            return nil
        }
    }

    func release(_ id: ObjectIdentifier) {
        _ = open.withLockedValue { $0.removeValue(forKey: id) }
    }

    /// Raises the soft RLIMIT_NOFILE to the hard limit (what systemd advises for a daemon that
    /// uses epoll) and returns the soft limit in force.
    static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = min(limit.rlim_max, 1 << 20)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(min(limit.rlim_cur, 1 << 20))
    }
}
