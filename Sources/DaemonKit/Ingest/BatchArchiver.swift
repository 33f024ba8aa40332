import InboxScanner
import SystemSupport

/// The archive stage: moves a committed batch's folder to processed/DAY/ in one rename (or
/// deletes it, with `keep_processed: 0`), while the next batch commits. Blocking: it runs on an ingest thread.
struct BatchArchiver: Sendable {
    let faults: FaultReporter
    let metrics: Metrics
    let released: ReleasedClaims

    /// Files that must not go with the folder (changed while being read, a quarantine that
    /// failed) go back to processing/ first, to be claimed again; if one cannot, the folder
    /// stays, and the next pass takes it up: its committed files are recognised by their claim
    /// keys and only moved.
    func archive(_ batch: CommittedBatch, spool: Spool, keepProcessed: Int?) {
        let folder = batch.folder
        let processing = spool.processing
        var stranded = false
        for stray in batch.strays {
            do {
                try folder.directory.move(stray, to: processing, syncing: false)
            } catch {
                faults.fail(.processing, "cannot put a file back in processing/; its batch folder stays for the next pass",
                            error: error, metadata: ["file": "\(stray.display)", "folder": "\(folder.name.display)"])
                stranded = true
            }
        }
        if !batch.strays.isEmpty { faults.sync(folder.directory, processing) }
        if stranded { return }
        do {
            if batch.committed == 0 {
                // Nothing committed (all quarantined, gone, or changing): no folder in processed/.
                if try processing.removeEmptyDirectory(folder.name) { try processing.sync() }
                return
            }
            if keepProcessed == 0, !batch.holdsOnlyCopies {
                // The store holds every committed file's bytes (`show`): nothing to keep.
                try spool.processed.discard(folder, from: processing)
            } else {
                try spool.processed.archive(folder, from: processing, day: IngestPipeline.today())
            }
            released.add(batch.claims)
            faults.cleared(.processed)
        } catch {
            // Committed; the next pass sees the claim keys and only moves the files.
            faults.fail(.processed, "committed but not moved to processed/", error: error, metadata: ["folder": "\(folder.name.display)"])
        }
    }
}
