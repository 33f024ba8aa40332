import Foundation
import Yams

/// Where `newsdedupctl` looks for the daemon, first found wins: `--socket`; `$NEWSDEDUP_SOCKET`;
/// the daemon's configuration (`--config FILE`, else the installed
/// `/etc/newsdedup/newsdedup.yaml` when present): its `socket` key, or `control.sock` beside its
/// `inbox` as the daemon derives it; the installed service's `/run/newsdedup/control.sock` when
/// it exists; the demo's `var/control.sock`. On a server `newsdedupctl status` finds the service
/// without being told where it is.
struct SocketDiscovery {
    static let installedConfiguration = "/etc/newsdedup/newsdedup.yaml"
    static let serviceSocket = "/run/newsdedup/control.sock"
    static let demoSocket = "var/control.sock"

    var socket: String?
    var config: String?
    var environment = ProcessInfo.processInfo.environment

    /// The socket to use; a configuration file that cannot be read or parsed ends the program
    /// with status 64 and a sentence.
    func path() -> String {
        if let socket { return socket }
        if let socket = environment["NEWSDEDUP_SOCKET"], !socket.isEmpty { return socket }
        if let config {
            return Self.socket(inConfiguration: config) ?? Self.demoSocket
        }
        if access(Self.installedConfiguration, R_OK) == 0, let socket = Self.socket(inConfiguration: Self.installedConfiguration) {
            return socket
        }
        return access(Self.serviceSocket, F_OK) == 0 ? Self.serviceSocket : Self.demoSocket
    }

    /// The socket a daemon started with this configuration file binds, as far as the file says.
    static func socket(inConfiguration file: String) -> String? {
        let text = String(decoding: readWhole(file, failing: 64), as: UTF8.self)
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            fail("\(file) is not a YAML configuration: \(error)", code: 64)
        }
        guard let keys = root as? [String: Any] else { return nil }
        if let socket = keys["socket"] as? String, !socket.isEmpty { return socket }
        if let inbox = keys["inbox"] as? String, !inbox.isEmpty {
            return URL(fileURLWithPath: inbox).deletingLastPathComponent().appendingPathComponent("control.sock").path
        }
        return nil
    }
}
