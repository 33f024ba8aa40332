import Glibc
import Synchronization
public import SystemSupport

/// Wakes the ingest loop early: inotify on the inbox (a file renamed in or closed after
/// writing) and a wake pipe (shutdown, a `rescan`). Only a hint: the loop still polls on a timer,
/// and a lost or overflowed event costs latency, never a file.
public final class InboxWatcher: Sendable {
    // The descriptors are set once; `wake()` only writes to a pipe, which is safe from any
    // thread, and `wait` is called by one task at a time (the ingest loop).
    private let inotify: Int32
    /// The watch on the inbox; replaced by `watch(directory:)` when the inbox is.
    private let watchDescriptor = Atomic<Int32>(-1)
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Watches `directory`; if inotify is unavailable the watcher still sleeps and wakes.
    public init(directory: String) throws(SystemError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SystemError("pipe") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        let watch = fd >= 0 ? inotify_add_watch(fd, directory, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE)) : -1
        if watch >= 0 {
            inotify = fd
            watchDescriptor.store(watch, ordering: .relaxed)
        } else {
            if fd >= 0 { close(fd) }
            inotify = -1
        }
    }

    /// Watches `directory` instead: the inbox was renamed or removed and made again, and the
    /// old watch sees nothing of the new one. Called by the thread that calls `wait`.
    public func watch(directory: String) {
        guard inotify >= 0 else { return }
        let old = watchDescriptor.load(ordering: .relaxed)
        if old >= 0 { _ = inotify_rm_watch(inotify, old) }
        watchDescriptor.store(inotify_add_watch(inotify, directory, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE)), ordering: .relaxed)
    }

    deinit {
        if inotify >= 0 { close(inotify) }
        close(wakeRead)
        close(wakeWrite)
    }

    public var isWatching: Bool { inotify >= 0 }

    /// Interrupts a `wait` in progress (or the next one).
    public func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Sleeps up to `timeout` seconds or until an event or a wake. Returns the names that were
    /// renamed into the inbox meanwhile, and whether the time ran out with nothing to wake it.
    public func wait(timeout: Double) -> (renamed: [FileName], timedOut: Bool) {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if inotify >= 0 { fds.append(pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)) }
        let milliseconds = Int32(max(0, min(timeout, 86_400)) * 1000)
        let ready = poll(&fds, nfds_t(fds.count), milliseconds)
        drainWakePipe()
        return (readEvents(), ready == 0)
    }

    /// The names renamed into the inbox since the last look, without waiting. The ingest loop
    /// reads them before every listing, so that a file renamed in is marked while it is still
    /// the file that was renamed in (see `SettleGate`), not after it has been claimed.
    public func renamedSinceLastLook() -> [FileName] { readEvents() }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    /// Parses `struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }`.
    private func readEvents() -> [FileName] {
        guard inotify >= 0 else { return [] }
        var renamed: [FileName] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(inotify, &buffer, buffer.count)
            guard n > 0 else { break }
            var offset = 0
            while offset + 16 <= n {
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                let nameBytes = buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
                if mask & UInt32(IN_MOVED_TO) != 0, !nameBytes.isEmpty {
                    renamed.append(FileName(bytes: Array(nameBytes)))
                }
                offset += 16 + length
            }
        }
        return renamed
    }
}
