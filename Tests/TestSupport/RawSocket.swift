import ControlProtocol
public import Foundation
import Glibc
import SystemSupport

/// A Unix stream socket driven by hand, for sending what no well-behaved client would.
public enum RawSocket {
    /// A connected descriptor, or -1. Reads time out after 20 s, so a daemon that never answers
    /// fails a test instead of hanging it.
    public static func connect(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard UnixSocketAddress.with(path, { Glibc.connect(fd, $0, $1) }) == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Leaves a bound Unix socket file at `path`; returns whether it worked.
    public static func bindFile(at path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return UnixSocketAddress.with(path) { bind(fd, $0, $1) } == 0
    }

    /// A listening socket at `path` (connections are queued, never answered), or -1: stands in
    /// for a daemon serving the socket. Close it with `close(_:)`.
    public static func listen(at path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard UnixSocketAddress.with(path, { bind(fd, $0, $1) }) == 0, Glibc.listen(fd, 8) == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Sends the chunks, half-closes, and returns the reply lines.
    public static func exchange(_ path: String, _ chunks: [Data]) -> [Data] {
        let fd = connect(path)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        for chunk in chunks {
            var offset = 0
            while offset < chunk.count {
                let n = chunk.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { break }
                offset += n
            }
        }
        shutdown(fd, Int32(SHUT_WR))
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received.append(contentsOf: buffer[..<n])
        }
        return received.split(separator: 0x0A).map { Data($0) }
    }
}

/// A datagram socket standing in for systemd's notification socket.
public final class NotifyListener {
    public let fd: Int32
    /// What to put in $NOTIFY_SOCKET: the path, or "@name" for an abstract address.
    public let address: String

    /// Binds `address` (a path, or "@name" for the abstract namespace).
    public init(address: String) {
        self.address = address
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = UnixSocketAddress.with(address) { bind(fd, $0, $1) }
    }

    deinit { close(fd) }

    /// Every datagram that arrives within `seconds`.
    public func messages(for seconds: Double) -> [String] {
        var found: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { found.append(String(decoding: buffer[..<n], as: UTF8.self)) }
        }
        return found
    }
}
