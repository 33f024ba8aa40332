/// What one drain did, for `--once` and the logs.
public struct DrainSummary: Sendable, Equatable {
    public var stored = 0
    public var exactDuplicates = 0
    public var nearDuplicates = 0
    public var quarantined = 0
    /// Committed before a restart, moved now.
    public var recovered = 0
    /// Left claimed because the store failed.
    public var deferred = 0
    /// Left claimed because they changed while being read: a writer is still at them.
    public var changing = 0
    /// Still in the inbox, not yet unchanged for `min_file_age`.
    public var settling = 0

    public var total: Int { stored + exactDuplicates + nearDuplicates + quarantined + recovered }

    /// Adds a pass's counts; what is still waiting is the latest pass's.
    mutating func add(_ pass: DrainSummary) {
        count(pass)
        deferred = pass.deferred
        changing = pass.changing
        settling = pass.settling
    }

    /// Adds one batch's counts, the waiting ones included.
    mutating func count(_ batch: DrainSummary) {
        stored += batch.stored
        exactDuplicates += batch.exactDuplicates
        nearDuplicates += batch.nearDuplicates
        quarantined += batch.quarantined
        recovered += batch.recovered
        deferred += batch.deferred
        changing += batch.changing
        settling += batch.settling
    }
}
