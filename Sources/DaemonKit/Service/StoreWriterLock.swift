import Glibc

/// One writing process per store. Two daemons on one store (a second unit, a manual `--once`
/// beside the service) would each keep their own near-duplicate index in memory, blind to the
/// other's articles, and miss the copies that cross between them.
///
/// The lock is an open-file-description lock (`F_OFD_SETLK`) on one byte of the store file
/// itself, in the page SQLite reserves for its own locks and never fills with data
/// (0x40000000-0x40000FFF) but outside the 512 bytes it locks there, so SQLite's POSIX locks
/// and this one never meet. Being on the file, it holds across network namespaces (the shipped
/// unit has `PrivateNetwork=yes`; an abstract socket, used before, did not stop a `--once` from
/// the host), it meets every path and bind mount that reaches the same file, and the kernel
/// frees it when the process ends, however it ends. It lives exactly as long as the store is
/// open: `StoreHandle` lets both go after a write fault, so a degraded daemon pins no file
/// system, and takes the lock again before reopening (then refused, and retrying, if another
/// writer started meanwhile).
final class StoreWriterLock: Sendable {
    /// Inside SQLite's lock-byte page, past its pending, reserved and shared bytes.
    static let offset: off_t = 0x4000_0800

    /// `F_OFD_SETLK` from <bits/fcntl-linux.h> (the same on every Linux architecture); Swift's
    /// Glibc module leaves it out, as it is defined only under _GNU_SOURCE.
    private static let setOFDLock: Int32 = 37

    private let fd: Int32

    /// Takes the lock on the store at `path`. With `create`, an absent file is created empty
    /// (mode 0640; SQLite makes an empty file a new database) so that two daemons starting at
    /// the same moment on a new store cannot both create its tables; without it, an absent
    /// file is an error, as a reopen must find the store that was there.
    init(path: String, create: Bool) throws(StoreLockError) {
        let flags = O_RDWR | O_CLOEXEC | O_NOCTTY | (create ? O_CREAT : 0)
        let fd = open(path, flags, 0o640)
        guard fd >= 0 else {
            throw StoreLockError(description: "cannot open \(path) to take the store's writer lock: \(String(cString: strerror(errno)))")
        }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = Self.offset
        lock.l_len = 1
        guard fcntl(fd, Self.setOFDLock, &lock) == 0 else {
            let code = errno
            close(fd)
            throw StoreLockError(description: code == EAGAIN || code == EACCES
                ? "another newsdedupd is writing \(path); one writer per store"
                : "cannot take the writer lock on \(path): \(String(cString: strerror(code)))")
        }
        self.fd = fd
    }

    deinit { close(fd) }
}

struct StoreLockError: Error, CustomStringConvertible {
    let description: String
}
