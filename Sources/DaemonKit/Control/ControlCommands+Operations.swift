import ArticleStore
import ControlProtocol
import Foundation
import Glibc
import InboxScanner

// MARK: - Commands that change something: pause, resume, rescan, backup, quarantine

extension ControlCommands {
    func pause(_ paused: Bool) -> Response {
        let changed = state.setPaused(paused)
        if !paused { wake() }
        return .done(paused
            ? (changed ? "paused: no new files are claimed until resume" : "already paused")
            : (changed ? "resumed" : "not paused"))
    }

    func rescan() -> Response {
        wake()
        return .done("rescanning the inbox")
    }

    /// An online copy of the store; the path is the daemon's and must be absolute and new.
    func backup(_ request: Request) -> Response {
        let path: String
        switch BackupDestination.resolve(request, store: settings.store, now: Date()) {
        case .success(let resolved): path = resolved
        case .failure(let refusal): return .error(refusal.code, refusal.message)
        }
        do {
            let size = try read { store throws(StoreError) in try store.backup(to: path) }
            return .done("backup written to \(path) (\(size) bytes)")
        } catch {
            let code: ErrorCode = switch error.kind {
            case .exists: .conflict
            case .destination: .fileSystemFailure
            default: .storeFailure
            }
            return .error(code, error.description + BackupDestination.hint(for: error))
        }
    }

    /// The files in quarantine with their reasons, oldest first, then `end`.
    func quarantineList(send: (Response) -> Void) {
        let quarantine: Quarantine
        let files: [(name: FileName, status: EntryStatus)]
        do {
            quarantine = Quarantine(directory: try Directory(path: settings.quarantine, create: false))
            files = try quarantine.files()
        } catch {
            return send(.error(.fileSystemFailure, "cannot list \(settings.quarantine): \(error)"))
        }
        for (name, status) in files {
            let reason = quarantine.reason(of: name)
            send(.quarantined(QuarantineEntry(
                name: name.display, size: status.size, quarantinedAt: reason?.quarantinedAt, reason: reason?.reason)))
        }
        send(.end(count: files.count))
    }

    /// Moves a quarantined file back into the inbox (renamed in, so it is taken at once) and
    /// removes its reason.
    func quarantineRetry(_ request: Request) -> Response {
        guard let wanted = request.name, !wanted.isEmpty else { return .error(.invalidArgument, "quarantine retry needs a \"name\"") }
        do {
            let quarantine = Quarantine(directory: try Directory(path: settings.quarantine, create: false))
            let inbox = try Directory(path: settings.inbox, create: false)
            guard let name = try quarantine.files().first(where: { $0.name.display == wanted })?.name else {
                return .error(.notFound, "no quarantined file named \(wanted)")
            }
            let placed = try quarantine.directory.move(name, to: inbox)
            try? quarantine.directory.remove(Quarantine.reasonName(for: name))
            wake()
            return .done("\(name.display) is back in the inbox as \(placed.display)")
        } catch {
            return .error(.fileSystemFailure, "\(error)")
        }
    }
}
