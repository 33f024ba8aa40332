import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the configuration on SIGHUP (and for `newsdedupctl reload`): applies what can
/// change live, names what needs a restart, and keeps the running settings when the new ones
/// do not hold.
final class Reloader: Service, Sendable {
    let live: LiveSettings
    let resolve: @Sendable () async throws(SettingsError) -> DaemonSettings
    let logger: Logger
    let wake: @Sendable () -> Void

    init(live: LiveSettings, resolve: @escaping @Sendable () async throws(SettingsError) -> DaemonSettings,
         logger: Logger, wake: @escaping @Sendable () -> Void) {
        self.live = live
        self.resolve = resolve
        self.logger = logger
        self.wake = wake
    }

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            _ = await reload()
        }
    }

    /// One reload; the returned line is what the log and `newsdedupctl reload` say, and
    /// whether the new configuration was refused (the client then exits 1).
    func reload() async -> ReloadResult {
        let settings: DaemonSettings
        do {
            settings = try await resolve()
        } catch {
            logger.error("reload failed; the running configuration stays", metadata: ["error": "\(error)"])
            return ReloadResult(message: "reload failed, the running configuration stays: \(error)", refused: true)
        }
        let (applied, needRestart) = live.apply(settings)
        wake()  // a new poll interval or threshold applies from the next pass
        var message = applied.isEmpty ? "reloaded: nothing to change" : "reloaded: applied \(applied.joined(separator: ", "))"
        if !needRestart.isEmpty { message += "; needs a restart to apply: \(needRestart.joined(separator: ", "))" }
        logger.notice("\(message)")
        return ReloadResult(message: message, refused: false)
    }
}

/// What one reload did.
struct ReloadResult: Sendable {
    var message: String
    /// The configuration read did not hold; the running one stays.
    var refused: Bool
}
