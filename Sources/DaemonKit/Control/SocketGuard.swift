import ControlProtocol
import Foundation
import Glibc
import SystemSupport

/// Before binding: a live daemon on the path means refuse to start (two daemons must never
/// drain one inbox into one store); a dead socket file is removed; anything that is not a
/// socket is left alone and reported.
enum SocketGuard {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Returns a warning when the socket's directory lets others in (the socket's own mode is
    /// the real guard; the directory is the second fence).
    @discardableResult
    static func prepare(path: String) throws(Refusal) -> String? {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, mkdir(parent, 0o750) != 0, errno != EEXIST {
            throw Refusal(description: "cannot create \(parent): \(String(cString: strerror(errno)))")
        }
        var directory = stat()
        let warning = !parent.isEmpty && stat(parent, &directory) == 0 && directory.st_mode & 0o007 != 0
            ? "\(parent) can be entered by everyone; give the socket a directory only the daemon's user and group can enter"
            : nil
        var info = stat()
        guard lstat(path, &info) == 0 else { return warning }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw Refusal(description: "\(path) exists and is not a socket; not removing it")
        }
        if isAnswering(path) {
            throw Refusal(description: "another newsdedupd is already serving \(path)")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw Refusal(description: "cannot remove stale socket \(path): \(String(cString: strerror(errno)))")
        }
        return warning
    }

    static func isAnswering(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return UnixSocketAddress.with(path) { connect(fd, $0, $1) } == 0
    }
}
