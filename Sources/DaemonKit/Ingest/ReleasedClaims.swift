import Synchronization

/// Claim keys whose batch has left processing/ for good (archived or deleted, both directories
/// synced): nothing can be recovered under them again, so the committer has the store forget
/// them in its next transaction. Kept only from the archiver's success to that commit; a claim
/// that is never released (a crash in between) only costs its row.
final class ReleasedClaims: Sendable {
    private let keys = Mutex<[String]>([])

    func add(_ claims: [String]) {
        keys.withLock { $0 += claims }
    }

    /// Everything released so far, handed to one commit.
    func take() -> [String] {
        keys.withLock { keys in
            defer { keys = [] }
            return keys
        }
    }

    /// A commit that failed gives its keys back, for the next one.
    func giveBack(_ claims: [String]) {
        keys.withLock { $0 = claims + $0 }
    }
}
