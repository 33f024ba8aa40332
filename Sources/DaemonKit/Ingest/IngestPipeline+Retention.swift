import ArticleStore
import Logging

extension IngestPipeline {
    /// The dedup window: with `retention_days` set, older articles leave the near-duplicate
    /// index (or the store, with `retention_delete`). Runs at start and then hourly; a store
    /// fault here only waits for the next run.
    public func applyRetention() {
        let settings = settings
        guard settings.retentionDays > 0 else { return }
        let cutoff = Self.nowMilliseconds() - Int64(settings.retentionDays * 86_400_000)
        do {
            let result = try store.use { store throws(StoreError) in
                try store.applyRetention(receivedBefore: cutoff, delete: settings.retentionDelete)
            }
            if result.retired + result.deletedArticles > 0 {
                logger.notice("retention", metadata: [
                    "days": "\(settings.retentionDays)", "left_index": "\(result.retired)",
                    "deleted_articles": "\(result.deletedArticles)", "deleted_duplicates": "\(result.deletedDuplicates)",
                ])
            }
        } catch {
            logger.error("retention failed; will retry", metadata: ["error": "\(error)"])
        }
    }
}
