import ArticleStore
import Logging
import SystemSupport

extension IngestPipeline {
    /// The dedup window: with `retention_days` set, older articles leave the near-duplicate
    /// index (or the store, with `retention_delete`). Runs at start and then hourly, between
    /// batches (the store has one writer); a store fault here only waits for the next run.
    public func applyRetention() async {
        let settings = settings
        guard settings.retentionDays > 0 else { return }
        let cutoff = Self.nowMilliseconds() - Int64(settings.retentionDays * 86_400_000)
        let store = store
        let outcome = await blocking {
            Result { () throws(StoreError) in
                try store.use { store throws(StoreError) in
                    try store.applyRetention(receivedBefore: cutoff, delete: settings.retentionDelete)
                }
            }
        }
        switch outcome {
        case .success(let result)?:
            if result.retired + result.deletedArticles > 0 {
                logger.notice("retention", metadata: [
                    "days": "\(settings.retentionDays)", "left_index": "\(result.retired)",
                    "deleted_articles": "\(result.deletedArticles)", "deleted_duplicates": "\(result.deletedDuplicates)",
                ])
            }
        case .failure(let error)?:
            logger.error("retention failed; will retry", metadata: ["error": "\(error)"])
        case nil:
            break
        }
    }

    /// `keep_processed: N`: the days of processed/ older than N days go, whole (a day stays
    /// until all of it is older). Runs with retention, between batches; a failure is logged
    /// and retried at the next run.
    public func pruneProcessed() async {
        guard let days = settings.keepProcessed, days > 0 else { return }
        let (archive, cutoff) = (spool.processed, Self.today(offsetDays: -days))
        let outcome = await blocking { Result { () throws(SystemError) in try archive.prune(before: cutoff) } }
        switch outcome {
        case .success(let removed)? where removed.days > 0:
            logger.notice("processed pruned", metadata: ["before": "\(cutoff)", "days": "\(removed.days)", "files": "\(removed.files)"])
        case .failure(let error)?:
            logger.error("pruning processed/ failed; will retry", metadata: ["error": "\(error)"])
        default:
            break
        }
    }
}
