/// The distinct shingle hashes of a text, sorted, for the confirming check of a lead-only match.
public struct ShingleSet: Sendable, Equatable {
    public let hashes: [UInt64]

    public init(_ features: [UInt64]) {
        var sorted = features.sorted()
        var unique = 0
        for index in sorted.indices where index == 0 || sorted[index] != sorted[unique - 1] {
            sorted[unique] = sorted[index]
            unique += 1
        }
        sorted.removeLast(sorted.count - unique)
        hashes = sorted
    }

    public var count: Int { hashes.count }

    /// How much of the smaller set the larger one holds, 0 … 1: 1 when one text's shingles are
    /// all in the other (a copy cut short), about the shared share otherwise. Containment rather
    /// than Jaccard, so a copy that lost its last third still scores 1.
    public func containment(_ other: ShingleSet) -> Double {
        let smaller = min(count, other.count)
        guard smaller > 0 else { return 0 }
        var i = 0, j = 0, shared = 0
        while i < hashes.count, j < other.hashes.count {
            if hashes[i] == other.hashes[j] {
                shared += 1; i += 1; j += 1
            } else if hashes[i] < other.hashes[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return Double(shared) / Double(smaller)
    }
}
