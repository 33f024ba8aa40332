import Glibc
import InboxScanner
import Logging
import SystemSupport

extension IngestPipeline {
    // MARK: - What to claim

    /// Files renamed into the inbox are complete: claim them without waiting (inotify says so).
    /// The mark is for the file that has the name now; a name already gone is not marked.
    func noteRenamedIn(_ names: [FileName]) async {
        guard !names.isEmpty else { return }
        let inbox = spool.inbox
        let found = await blocking { names.compactMap { name in (try? inbox.status(of: name)).map { (name, $0) } } } ?? []
        for (name, status) in found where status.kind == .regular {
            gate.noteRenamedIn(name, inode: status.inode)
        }
    }

    /// Lists the inbox once and asks the settle gate which files are complete. Dotfiles,
    /// `*.tmp`, `*.part`, the exclude glob and subdirectories are never touched.
    func readyInInbox() async -> (ready: [(name: FileName, size: Int64)], settling: Int, oldest: Int64?) {
        // Renames are noted before the listing, while each name is still the file renamed in.
        if let renamed = watcher?.renamedSinceLastLook(), !renamed.isEmpty { await noteRenamedIn(renamed) }
        guard let candidates = await inboxCandidates() else { return ([], 0, nil) }
        return settle(candidates)
    }

    /// While paused: how many files wait and the oldest's mtime, without asking the settle gate
    /// (which would take marks and first looks for files that are not claimed).
    func waitingInInbox() async -> (count: Int, oldest: Int64?) {
        guard let candidates = await inboxCandidates() else { return (0, nil) }
        return (candidates.count, candidates.map(\.signature.modified).min())
    }

    /// The files in the inbox that may be claimed one day, with what the settle gate compares.
    private func inboxCandidates() async -> [(name: FileName, signature: SettleGate.Signature)]? {
        let inbox = spool.inbox
        guard let listed = await blocking({ Result { () throws(SystemError) in try inbox.listing() } }) else { return nil }
        let listing: [(name: FileName, status: EntryStatus)]
        do {
            listing = try listed.get()
        } catch {
            faults.fail(.inbox, "cannot list the inbox", error: error)
            return nil
        }
        faults.cleared(.inbox)
        var candidates: [(name: FileName, signature: SettleGate.Signature)] = []
        for (name, status) in listing where !name.isIgnored {
            if let exclude = settings.exclude, name.matches(glob: exclude) { continue }
            if status.kind == .directory {
                if reportedSkips.insert(name).inserted {
                    logger.warning("skipping subdirectory in inbox", metadata: ["file": "\(name.display)"])
                }
                continue
            }
            candidates.append((name, SettleGate.Signature(status)))
        }
        return candidates
    }

    private func settle(_ candidates: [(name: FileName, signature: SettleGate.Signature)])
        -> (ready: [(name: FileName, size: Int64)], settling: Int, oldest: Int64?) {
        gate.minimumAge = settings.minFileAge
        let elapsed = ContinuousClock.now - clockStart
        let now = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let (ready, settling) = gate.ready(candidates, now: now)
        let sizes = Dictionary(candidates.map { ($0.name, $0.signature.size) }, uniquingKeysWith: { $1 })
        return (ready.map { ($0, sizes[$0] ?? 0) }, settling, candidates.map(\.signature.modified).min())
    }
}
