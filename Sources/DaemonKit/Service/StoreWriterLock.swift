import ControlProtocol
import DedupCore
import Foundation
import Glibc
import SystemSupport

/// One writing process per store. Two daemons on one store (a second unit, a manual `--once`
/// beside the service) would each keep their own near-duplicate index in memory, blind to the
/// other's articles, and miss the copies that cross between them. The lock is a socket bound
/// in Linux's abstract namespace under the store's identity: the kernel frees it when the
/// process ends, however it ends, and it pins no file system (a lock file would keep the
/// store's file system from being unmounted and repaired under a degraded daemon). It holds
/// within one network namespace, which a store's processes share in practice.
final class StoreWriterLock: Sendable {
    private let fd: Int32

    /// Takes the lock for the store at the path `store` (its directory resolved, so two spellings
    /// of one path meet), before the store is opened: two daemons starting at the same moment
    /// on a new store must not both create its tables.
    convenience init(path store: String) throws(StoreLockError) {
        let directory = (store as NSString).deletingLastPathComponent
        let resolved = realpath(directory.isEmpty ? "." : directory, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? directory
        let canonical = resolved + "/" + (store as NSString).lastPathComponent
        try self.init(name: "path-" + Array(SHA256.digest(Array(canonical.utf8)).prefix(16)).hexString, store: store)
    }

    /// Takes the lock for the store with `identity` (the same store reached by another path).
    convenience init(identity: String, store: String) throws(StoreLockError) {
        try self.init(name: identity, store: store)
    }

    /// Takes the lock named `name`, or throws naming the store when another process holds it.
    private init(name identity: String, store: String) throws(StoreLockError) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw StoreLockError(description: "cannot make the store's lock socket: \(String(cString: strerror(errno)))") }
        let bound = UnixSocketAddress.with("@newsdedup-writer-\(identity)") { bind(fd, $0, $1) } ?? -1
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw StoreLockError(description: code == EADDRINUSE
                ? "another newsdedupd is writing \(store) (lock \(identity)); one writer per store"
                : "cannot take the store's lock: \(String(cString: strerror(code)))")
        }
        self.fd = fd
    }

    deinit { close(fd) }
}

struct StoreLockError: Error, CustomStringConvertible {
    let description: String
}
