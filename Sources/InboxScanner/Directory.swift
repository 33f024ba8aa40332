import Glibc
public import SystemSupport

/// An open directory: every operation on its entries goes through this descriptor (openat,
/// renameat), so a directory swapped for a symlink after start-up cannot redirect them.
public final class Directory: Sendable {
    public let path: String
    let fd: Int32

    /// Opens `path`, creating it and any missing parents (mode 0750) if needed.
    public init(path: String, create: Bool = true) throws(SystemError) {
        self.path = path
        if create { try Self.makePath(path) }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open directory \(path)") }
        self.fd = fd
    }

    /// Opens the subdirectory `name` of `parent` through its descriptor, never following a
    /// symlink.
    public init(_ name: FileName, in parent: Directory) throws(SystemError) {
        let fd = name.withCString { openat(parent.fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard fd >= 0 else { throw SystemError("open directory \(name) in \(parent.path)") }
        self.fd = fd
        path = parent.path + "/" + name.display
    }

    deinit { close(fd) }

    /// Creates the subdirectory `name` (mode 0750); false, creating nothing, when the name is
    /// taken. Not durable until this directory is synced.
    public func makeDirectory(_ name: FileName) throws(SystemError) -> Bool {
        if name.withCString({ mkdirat(fd, $0, 0o750) }) == 0 { return true }
        if errno == EEXIST { return false }
        throw SystemError("mkdir \(name) in \(path)")
    }

    /// Removes the subdirectory `name` if it is empty; false, removing nothing, when it is not.
    public func removeEmptyDirectory(_ name: FileName) throws(SystemError) -> Bool {
        if name.withCString({ unlinkat(fd, $0, AT_REMOVEDIR) }) == 0 { return true }
        if errno == ENOTEMPTY || errno == EEXIST { return false }
        throw SystemError("rmdir \(name) in \(path)")
    }

    /// Creates `path` and its missing parents, mode 0750 each.
    public static func makePath(_ path: String) throws(SystemError) {
        if mkdir(path, 0o750) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw SystemError("mkdir \(path)") }
        let parent = String(path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropLast()
            .map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/"))
        guard !parent.isEmpty, parent != path else { throw SystemError("mkdir \(path)", errno: ENOENT) }
        try makePath(parent)
        if mkdir(path, 0o750) != 0, errno != EEXIST { throw SystemError("mkdir \(path)") }
    }

    /// Whether `path` still names this directory (the same device and inode): false when it was
    /// removed, or renamed and another made in its place.
    public var isStillAtPath: Bool {
        var open = stat(), named = stat()
        guard fstat(fd, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }

    /// The device the directory lives on: claims and moves are renames, which need one device.
    public func device() throws(SystemError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError("stat \(path)") }
        return UInt64(info.st_dev)
    }

    /// The names in the directory, except "." and "..", oldest modification first.
    public func entries() throws(SystemError) -> [FileName] {
        try listing().map(\.name)
    }

    /// The entries with their `lstat` (one call each, never following a symlink), oldest
    /// modification first. An entry that vanishes meanwhile is left out.
    public func listing() throws(SystemError) -> [(name: FileName, status: EntryStatus)] {
        let copy = dup(fd)
        guard copy >= 0, let stream = fdopendir(copy) else { throw SystemError("list \(path)") }
        defer { closedir(stream) }
        rewinddir(stream)
        var found: [(name: FileName, status: EntryStatus)] = []
        while let entry = readdir(stream) {
            let name = Self.name(of: entry)
            if name.bytes == [0x2E] || name.bytes == [0x2E, 0x2E] { continue }
            guard let status = try? status(of: name) else { continue }
            found.append((name, status))
        }
        return found.sorted {
            $0.status.modified != $1.status.modified
                ? $0.status.modified < $1.status.modified
                : $0.name.bytes.lexicographicallyPrecedes($1.name.bytes)
        }
    }

    /// How many entries the directory holds (not "." and ".."), counted from `readdir` alone,
    /// and how many of them are directories, with `isWanted` deciding which names count.
    /// Cheap enough for every `status`: no `lstat` per entry where the file system gives the
    /// type in the listing.
    public func count(where isWanted: (FileName) -> Bool = { _ in true }) -> (files: Int, directories: [FileName]) {
        let copy = dup(fd)
        guard copy >= 0, let stream = fdopendir(copy) else { return (0, []) }
        defer { closedir(stream) }
        rewinddir(stream)
        var files = 0
        var directories: [FileName] = []
        while let entry = readdir(stream) {
            let name = Self.name(of: entry)
            if name.bytes == [0x2E] || name.bytes == [0x2E, 0x2E] || !isWanted(name) { continue }
            let type = entry.pointee.d_type
            let isDirectory = type == UInt8(DT_DIR) || (type == UInt8(DT_UNKNOWN) && (try? status(of: name))?.kind == .directory)
            if isDirectory { directories.append(name) } else { files += 1 }
        }
        return (files, directories)
    }

    /// The name of a `readdir` entry, read in place up to its NUL. Not `entry.pointee.d_name`:
    /// that copies the whole 256-byte field, and an entry is only as long as its name, so the
    /// copy of the last entry in the kernel's buffer can run off the end of the page (a crash
    /// seen under load).
    static func name(of entry: UnsafeMutablePointer<dirent>) -> FileName {
        let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        let start = UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: CChar.self)
        return FileName(bytes: Array(UnsafeRawBufferPointer(start: start, count: strlen(start))))
    }

    /// `lstat` of an entry, never following a symlink.
    public func status(of name: FileName) throws(SystemError) -> EntryStatus {
        var info = stat()
        let result = name.withCString { fstatat(fd, $0, &info, AT_SYMLINK_NOFOLLOW) }
        guard result == 0 else { throw SystemError("stat \(name)") }
        return EntryStatus(info)
    }

    public func contains(_ name: FileName) -> Bool { (try? status(of: name)) != nil }

    /// Makes renames into and out of this directory durable.
    public func sync() throws(SystemError) {
        guard fsync(fd) == 0 else { throw SystemError("fsync \(path)") }
    }
}

/// What `stat` says about a directory entry.
public struct EntryStatus: Sendable, Equatable {
    public enum Kind: String, Sendable { case regular, directory, symlink, fifo, socket, device, other }

    public let kind: Kind
    public let size: Int64
    public let links: UInt64
    public let inode: UInt64
    public let device: UInt64
    /// Nanoseconds since 1970.
    public let modified: Int64

    init(_ info: stat) {
        kind = switch info.st_mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        case S_IFCHR, S_IFBLK: .device
        default: .other
        }
        size = Int64(info.st_size)
        links = UInt64(info.st_nlink)
        inode = UInt64(info.st_ino)
        device = UInt64(info.st_dev)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    /// Identifies one file version across renames and restarts (the claim key in the store).
    public var identity: String { "\(device)-\(inode)-\(modified)-\(size)" }
}
