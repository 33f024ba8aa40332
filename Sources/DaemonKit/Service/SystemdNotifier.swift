import ControlProtocol
import Foundation
import Glibc
import Synchronization
import SystemSupport

/// The systemd notification protocol (sd_notify(3)), spoken directly: one datagram per message
/// to the AF_UNIX socket named by $NOTIFY_SOCKET, an abstract address when it starts with "@".
/// Without $NOTIFY_SOCKET (not under systemd, or Type= is not notify) every call does nothing.
final class SystemdNotifier: Sendable {
    private let address: String?
    /// Half of $WATCHDOG_USEC (when it is meant for this process): how often to ping.
    let watchdogInterval: Double?
    private let lastPing = Mutex<ContinuousClock.Instant?>(nil)

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        address = environment["NOTIFY_SOCKET"].flatMap { $0.hasPrefix("/") || $0.hasPrefix("@") ? $0 : nil }
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
        let bytes = Array(message.utf8)
        _ = UnixSocketAddress.with(address) { sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), $0, $1) }
    }
}
