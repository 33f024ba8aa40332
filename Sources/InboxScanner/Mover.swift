import CSystemShims
import Glibc
public import SystemSupport

extension Directory {
    /// Renames `name` into `destination` without ever replacing a file there: on a clash the
    /// new name gets ".1", ".2", … Both directories are fsynced, so after this returns the move
    /// survives a crash, unless `syncing` is false: then the caller syncs both directories once
    /// for a whole batch of moves. Returns the name the file has now.
    @discardableResult
    public func move(_ name: FileName, to destination: Directory, syncing: Bool = true) throws(SystemError) -> FileName {
        for attempt in 0..<10_000 {
            let target = attempt == 0 ? name : name.appending(".\(attempt)")
            if try move(name, to: destination, as: target, syncing: syncing) { return target }
        }
        throw SystemError("move \(name) to \(destination.path): 10,000 names taken", errno: EEXIST)
    }

    /// Renames `name` to `target` in `destination` unless `target` exists there (then returns
    /// false and moves nothing). Both directories are fsynced after a move.
    public func move(_ name: FileName, to destination: Directory, as target: FileName, syncing: Bool = true) throws(SystemError) -> Bool {
        let result = name.withCString { from in
            target.withCString { to in newsdedup_rename_noreplace(fd, from, destination.fd, to) }
        }
        if result != 0 {
            if errno == EEXIST { return false }
            throw SystemError("move \(name) from \(path) to \(destination.path)")
        }
        guard syncing else { return true }
        try destination.sync()
        if destination !== self { try sync() }
        return true
    }

    /// Removes an entry (not a directory) and makes the removal durable.
    public func remove(_ name: FileName) throws(SystemError) {
        guard name.withCString({ unlinkat(fd, $0, 0) }) == 0 else { throw SystemError("remove \(name) from \(path)") }
        try sync()
    }

    /// Removes the directory `name` and everything under it, never following a symlink (one is
    /// removed as the link it is). Not synced: the caller syncs this directory once. Returns
    /// how many files went.
    @discardableResult
    public func removeTree(_ name: FileName) throws(SystemError) -> Int {
        let directory = try Directory(name, in: self)
        var files = 0
        for (entry, status) in try directory.listing() {
            if status.kind == .directory {
                files += try directory.removeTree(entry)
            } else {
                guard entry.withCString({ unlinkat(directory.fd, $0, 0) }) == 0 || errno == ENOENT else {
                    throw SystemError("remove \(entry) from \(directory.path)")
                }
                files += 1
            }
        }
        guard name.withCString({ unlinkat(fd, $0, AT_REMOVEDIR) }) == 0 || errno == ENOENT else {
            throw SystemError("remove \(name) from \(path)")
        }
        return files
    }

    /// Writes a small file atomically (temporary name, fsync, rename, fsync directory). With
    /// `replacing: false` an existing file of that name is left alone and false is returned.
    /// The temporary file never outlives a failure (a full disk must not leave empty ones).
    @discardableResult
    public func writeFile(_ name: FileName, contents: [UInt8], replacing: Bool = true) throws(SystemError) -> Bool {
        let temporary = FileName(bytes: [UInt8](".tmp-".utf8) + name.bytes)
        let fd = temporary.withCString { openat(self.fd, $0, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o640) }
        guard fd >= 0 else { throw SystemError("create \(name) in \(path)") }
        func fail(_ what: String) -> SystemError {
            let error = SystemError(what)
            close(fd)
            _ = temporary.withCString { unlinkat(self.fd, $0, 0) }
            return error
        }
        var written = 0
        while written < contents.count {
            let n = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw fail("write \(name)") }
            written += n
        }
        guard fsync(fd) == 0 else { throw fail("fsync \(name)") }
        close(fd)
        let renamed = temporary.withCString { from in
            name.withCString { to in
                replacing ? renameat(self.fd, from, self.fd, to) : newsdedup_rename_noreplace(self.fd, from, self.fd, to)
            }
        }
        guard renamed == 0 else {
            let code = errno
            _ = temporary.withCString { unlinkat(self.fd, $0, 0) }
            if code == EEXIST, !replacing { return false }
            throw SystemError("rename \(name)", errno: code)
        }
        try sync()
        return true
    }
}
