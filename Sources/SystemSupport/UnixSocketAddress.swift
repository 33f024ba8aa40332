public import Glibc

/// A `sockaddr_un` for a path, or for "@name" in Linux's abstract namespace (as systemd's
/// $NOTIFY_SOCKET may be). One builder for the daemon, the CLI and the tests.
public enum UnixSocketAddress {
    /// The longest path a `sockaddr_un` holds on Linux (108 bytes with its NUL).
    public static let maxPathBytes = 107

    /// Calls `body` with the address and its length; nil when the path does not fit
    /// (`maxPathBytes`).
    public static func with<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        var bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maxPathBytes else { return nil }
        let abstract = bytes[0] == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            if !abstract { raw[bytes.count] = 0 }
        }
        // An abstract address is exactly as long as its bytes; a path takes its NUL too.
        let length = MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
        }
    }
}
