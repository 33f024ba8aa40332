import Glibc
import InboxScanner
import Logging

extension IngestPipeline {
    // MARK: - Claiming

    /// Lists the inbox once and asks the settle gate which files are complete. Dotfiles,
    /// `*.tmp`, `*.part`, the exclude glob and subdirectories are never touched.
    func readyInInbox() -> (ready: [(name: FileName, size: Int64)], settling: Int, oldest: Int64?) {
        // Renames are noted before the listing, while each name is still the file renamed in.
        if let renamed = renamedSinceLastLook?(), !renamed.isEmpty { noteRenamedIn(renamed) }
        guard let candidates = inboxCandidates() else { return ([], 0, nil) }
        return settle(candidates)
    }

    /// While paused: how many files wait and the oldest's mtime, without asking the settle gate
    /// (which would take marks and first looks for files that are not claimed).
    func waitingInInbox() -> (count: Int, oldest: Int64?) {
        guard let candidates = inboxCandidates() else { return (0, nil) }
        return (candidates.count, candidates.map(\.signature.modified).min())
    }

    /// The files in the inbox that may be claimed one day, with what the settle gate compares.
    private func inboxCandidates() -> [(name: FileName, signature: SettleGate.Signature)]? {
        let listing: [(name: FileName, status: EntryStatus)]
        do {
            listing = try inbox.listing()
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

    /// Renames a file from `source` into the batch's folder in processing/ and returns its name
    /// there; nil if it cannot be claimed (taken away meanwhile, or an error, logged). A rename
    /// is atomic: a file is claimed whole or not at all, and a producer's later rename onto the
    /// same name cannot touch the claimed one. The caller syncs the directories once per batch,
    /// not per file: a claim that a power cut undoes puts the file back where it was, where it
    /// is claimed again, and its claim key tells it apart if it was committed meanwhile.
    func claim(_ name: FileName, from source: Directory, into folder: BatchFolder) -> FileName? {
        do {
            return try source.move(name, to: folder.directory, syncing: false)
        } catch where error.errno == ENOENT {
            return nil  // taken away meanwhile
        } catch {
            faults.fail(.claims, "cannot claim file", error: error, metadata: ["file": "\(name.display)"])
            return nil
        }
    }
}
