import ArticleStore
import ControlProtocol
import Foundation
import Glibc
import InboxScanner
import Synchronization

// MARK: - Commands that change something: pause, resume, rescan, backup, quarantine

extension ControlCommands {
    func pause(_ paused: Bool) -> Response {
        let changed = state.setPaused(paused)
        if !paused { wake() }
        return .done(paused
            ? (changed ? "paused: no new files are claimed until resume" : "already paused")
            : (changed ? "resumed" : "not paused"))
    }

    /// Runs the (async) reload from this reader thread and waits for it: a reader thread may
    /// block, an event loop never does.
    func runReload() -> String {
        let result = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let reload = self.reload
        Task {
            let message = await reload()
            result.withLock { $0 = message }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 } ?? "reload did not answer"
    }

    func rescan() -> Response {
        wake()
        return .done("rescanning the inbox")
    }

    /// An online copy of the store; the path is the daemon's and must be absolute and new.
    func backup(_ request: Request) -> Response {
        guard let path = request.path, path.hasPrefix("/") else {
            return .error(.invalidArgument, "backup needs an absolute \"path\"")
        }
        do {
            let size = try read { store throws(StoreError) in try store.backup(to: path) }
            return .done("backup written to \(path) (\(size) bytes)")
        } catch {
            return .error(FileManager.default.fileExists(atPath: path) ? .conflict : .storeFailure, error.description)
        }
    }

    /// The files in quarantine with their reasons, oldest first, then `end`.
    func quarantineList(send: (Response) throws -> Void) throws {
        let entries: [(name: FileName, status: EntryStatus)]
        let directory: Directory
        do {
            directory = try Directory(path: settings.quarantine)
            entries = try directory.listing()
        } catch {
            return try send(.error(.storeFailure, "cannot list \(settings.quarantine): \(error)"))
        }
        let names = Set(entries.map(\.name))
        var count = 0
        for (name, status) in entries where !name.isIgnored && !name.bytes.ends(with: Array(".reason".utf8)) {
            let reasonFile = name.appending(".reason")
            let fields = names.contains(reasonFile) ? Self.reasonFields(directory, reasonFile) : [:]
            try send(.quarantined(QuarantineEntry(
                name: name.display, size: status.size, quarantinedAt: fields["quarantined"], reason: fields["reason"])))
            count += 1
        }
        try send(.end(count: count))
    }

    /// Moves a quarantined file back into the inbox (renamed in, so it is taken at once) and
    /// removes its reason.
    func quarantineRetry(_ request: Request) -> Response {
        guard let wanted = request.name, !wanted.isEmpty else { return .error(.invalidArgument, "quarantine retry needs a \"name\"") }
        do {
            let quarantine = try Directory(path: settings.quarantine)
            let inbox = try Directory(path: settings.inbox)
            guard let name = try quarantine.entries().first(where: {
                $0.display == wanted && !$0.bytes.ends(with: Array(".reason".utf8)) && !$0.isIgnored
            }) else {
                return .error(.notFound, "no quarantined file named \(wanted)")
            }
            let placed = try quarantine.move(name, to: inbox)
            try? quarantine.remove(name.appending(".reason"))
            wake()
            return .done("\(name.display) is back in the inbox as \(placed.display)")
        } catch {
            return .error(.storeFailure, "\(error)")
        }
    }

    /// "key: value" lines of a NAME.reason file (at most 4 KiB of it).
    static func reasonFields(_ directory: Directory, _ name: FileName) -> [String: String] {
        guard let contents = try? directory.read(name, cap: 4096) else { return [:] }
        var fields: [String: String] = [:]
        for line in String(decoding: contents.bytes, as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }
}
