import Foundation
import Glibc
import Synchronization

/// The systemd notification protocol (sd_notify(3)), spoken directly: one datagram per message
/// to the AF_UNIX socket named by $NOTIFY_SOCKET, an abstract address when it starts with "@".
/// Without $NOTIFY_SOCKET (not under systemd, or Type= is not notify) every call does nothing.
final class SystemdNotifier: Sendable {
    private let address: [UInt8]?
    /// Half of $WATCHDOG_USEC (when it is meant for this process): how often to ping.
    let watchdogInterval: Double?
    private let lastPing = Mutex<ContinuousClock.Instant?>(nil)

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        address = environment["NOTIFY_SOCKET"].flatMap { path in
            var bytes = Array(path.utf8)
            guard bytes.count > 1, bytes.count < 108, bytes[0] == UInt8(ascii: "/") || bytes[0] == UInt8(ascii: "@") else { return nil }
            if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
            return bytes
        }
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogInterval = forUs ? environment["WATCHDOG_USEC"].flatMap(Double.init).map { $0 / 2 / 1_000_000 } : nil
    }

    var isActive: Bool { address != nil }

    func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    func status(_ text: String) { send("STATUS=\(text)") }
    /// Pings the watchdog, at most twice per interval however often it is called (it is called
    /// between batches, so a long drain keeps pinging, and a stuck one stops).
    func watchdog() {
        guard let interval = watchdogInterval else { return }
        let now = ContinuousClock.now
        let due = lastPing.withLock { last in
            guard last.map({ now - $0 >= .seconds(interval / 2) }) ?? true else { return false }
            last = now
            return true
        }
        if due { send("WATCHDOG=1") }
    }
    func stopping() { send("STOPPING=1\nSTATUS=stopping") }

    private func send(_ message: String) {
        guard let address else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: address) }
        // An abstract address is exactly as long as its bytes; a path also takes its NUL.
        let length = MemoryLayout<sa_family_t>.size + address.count + (address[0] == 0 ? 0 : 1)
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
            }
        }
    }
}
