import Glibc
import SystemSupport

/// Why a claimed file cannot be ingested. These are the file's own faults: the file goes to
/// quarantine with `description` as the reason.
public enum FileRejection: Error, Equatable, Sendable, CustomStringConvertible {
    case symlink
    case notRegular(EntryStatus.Kind)
    case multipleLinks(UInt64)
    case tooLarge(size: Int64, cap: Int)
    case unreadable(String)
    /// The bytes are not text we take; `label` names the kind for metrics.
    case undecodable(label: String, why: String)
    /// Not the file's fault and not final: a writer is still at it. Left for a later pass.
    case changedWhileReading

    /// A short, stable name for the kind of rejection (a metrics label).
    public var label: String {
        switch self {
        case .symlink: "symlink"
        case .notRegular: "not_regular"
        case .multipleLinks: "hard_link"
        case .tooLarge: "too_large"
        case .unreadable: "unreadable"
        case .undecodable(let label, _): label
        case .changedWhileReading: "changing"
        }
    }

    public var description: String {
        switch self {
        case .symlink: "a symbolic link: never followed"
        case .notRegular(let kind): "not a regular file (\(kind.rawValue))"
        case .multipleLinks(let count): "a hard link (\(count) names for one file): may be changed through another name"
        case .tooLarge(let size, let cap): "\(size) bytes, over the \(cap)-byte size cap"
        case .unreadable(let why): "cannot be read: \(why)"
        case .undecodable(_, let why): why
        case .changedWhileReading: "changed while being read"
        }
    }
}

/// The bytes of a claimed file and what `fstat` said of it while it was open.
public struct FileContents: Sendable {
    public let bytes: [UInt8]
    public let status: EntryStatus
}

extension Directory {
    /// Opens `name` without following symlinks and without blocking (a FIFO with no writer must
    /// not hang the daemon), checks on the open descriptor that it is a regular file with one
    /// link and at most `cap` bytes, and reads it. Never allocates more than `cap` + 1 bytes.
    /// A file that changed while being read is an error the caller retries later.
    public func read(_ name: FileName, cap: Int) throws(FileRejection) -> FileContents {
        // Look before opening: opening a device or a socket can have effects of its own.
        // (The descriptor is checked again below, in case the entry is swapped meanwhile.)
        if let entry = try? status(of: name) {
            if entry.kind == .symlink { throw .symlink }
            guard entry.kind == .regular else { throw .notRegular(entry.kind) }
            guard entry.size <= Int64(cap) else { throw .tooLarge(size: entry.size, cap: cap) }
        }
        let fd = name.withCString { openat(self.fd, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        guard fd >= 0 else {
            let error = errno
            if error == ELOOP { throw .symlink }
            throw .unreadable(SystemError("open", errno: error).description)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(SystemError("fstat").description) }
        let before = EntryStatus(info)
        guard before.kind == .regular else { throw .notRegular(before.kind) }
        guard before.links == 1 else { throw .multipleLinks(before.links) }
        guard before.size <= Int64(cap) else { throw .tooLarge(size: before.size, cap: cap) }

        var bytes = [UInt8](repeating: 0, count: Int(before.size) + 1)
        var total = 0
        while total < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + total, raw.count - total) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .unreadable(SystemError("read").description)
            }
            if n == 0 { break }
            total += n
        }
        guard fstat(fd, &info) == 0 else { throw .unreadable(SystemError("fstat").description) }
        let after = EntryStatus(info)
        guard total == Int(before.size), after == before else { throw .changedWhileReading }
        bytes.removeLast()
        return FileContents(bytes: bytes, status: before)
    }
}
