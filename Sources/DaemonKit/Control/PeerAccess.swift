import Glibc
import NIOCore

/// What a control client may do, from its credentials (SO_PEERCRED, which the kernel fills in:
/// a client cannot forge it). The socket is mode 0660, so the kernel lets only the daemon's
/// user and members of the socket's group connect at all; of those, root and the daemon's own
/// user may change things, the group may read.
struct PeerAccess: Sendable {
    let uid: uid_t
    let mayChange: Bool

    init(uid: uid_t, daemonUID: uid_t = getuid()) {
        self.uid = uid
        mayChange = uid == 0 || uid == daemonUID
    }

    /// Reads the peer's credentials; if they cannot be read, the client may only read.
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerAccess> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(PeerAccess(uid: uid_t.max))
        }
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: NIOBSDSocket.OptionLevel(rawValue: SOL_SOCKET), name: NIOBSDSocket.Option(rawValue: SO_PEERCRED))
        return future.map { PeerAccess(uid: $0.uid) }.recover { _ in PeerAccess(uid: uid_t.max) }
    }
}

/// `struct ucred` from <sys/socket.h> (pid, uid, gid, 32 bits each), which Swift's Glibc module
/// leaves out without _GNU_SOURCE.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
