import ArticleStore
import Logging

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
}
