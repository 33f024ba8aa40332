import Glibc
import InboxScanner
import Logging
import SystemSupport

/// The spool's directories as the ingest loop has them open: a value the pipeline owns and
/// hands to each stage for a batch. Between batches it is looked at again (`refreshed`): the
/// daemon owns its spool, so a directory removed under it is made again, and an inbox renamed
/// away and made again is the one watched and listed from then on.
struct Spool: Sendable {
    var inbox: Directory
    var processing: Directory
    var processed: ProcessedArchive
    var quarantine: Quarantine

    /// Opens (making them if needed) the spool's directories, which must share one file system:
    /// files move between them by rename.
    static func open(_ settings: DaemonSettings, logger: Logger) throws(SystemError) -> Spool {
        let inbox = try Directory(path: settings.inbox)
        let processing = try Directory(path: settings.processing)
        let processed = try Directory(path: settings.processed)
        let quarantine = try Directory(path: settings.quarantine)
        let device = try inbox.device()
        for directory in [processing, processed, quarantine] where try directory.device() != device {
            throw SystemError("\(directory.path) is not on the inbox's file system (files are moved by rename)", errno: EXDEV)
        }
        let spool = Spool(inbox: inbox, processing: processing, processed: ProcessedArchive(root: processed),
                          quarantine: Quarantine(directory: quarantine))
        let adopted = try spool.quarantine.adoptLegacyReasons()
        if adopted > 0 { logger.notice("quarantine: reason files renamed to .NAME.reason", metadata: ["files": "\(adopted)"]) }
        return spool
    }

    /// The spool with every directory removed or replaced under the daemon opened again (each
    /// said in the log and `status`), and whether the inbox was. Blocking: on an ingest thread.
    /// Without this, a removed quarantine/ kept bad files claimed forever, and a replaced inbox
    /// was never listed again.
    func refreshed(faults: FaultReporter) -> (spool: Spool, inboxReplaced: Bool) {
        let inboxNow = inbox
        func reopened(_ directory: Directory, _ what: String) -> Directory? {
            guard !directory.isStillAtPath else { return nil }
            do throws(SystemError) {
                let fresh = try Directory(path: directory.path)
                guard try fresh.device() == inboxNow.device() || what == "the inbox" else {
                    throw SystemError("\(directory.path) is not on the inbox's file system", errno: EXDEV)
                }
                let message = "\(what) was removed or replaced under the daemon; using \(directory.path) as it is now"
                faults.logger.warning("\(message)")
                faults.state.notice(message)
                return fresh
            } catch {
                faults.fail(.processing, "\(what) was removed and cannot be made again", error: error)
                return nil
            }
        }
        var spool = self
        let inbox = reopened(inbox, "the inbox")
        if let inbox { spool.inbox = inbox }
        if let fresh = reopened(processing, "processing/") { spool.processing = fresh }
        if let fresh = reopened(processed.root, "processed/") { spool.processed = ProcessedArchive(root: fresh) }
        if let fresh = reopened(quarantine.directory, "quarantine/") { spool.quarantine = Quarantine(directory: fresh) }
        return (spool, inbox != nil)
    }
}

extension FaultReporter {
    /// fsyncs directories after a batch of renames; a failure is logged (the renames stand, and
    /// the claim keys make a lost one harmless).
    func sync(_ directories: Directory...) {
        for directory in directories {
            do {
                try directory.sync()
            } catch {
                fail(.processing, "cannot sync directory", error: error, metadata: ["directory": "\(directory.path)"])
            }
        }
    }
}
