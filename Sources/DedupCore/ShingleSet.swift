/// A text's shingle hashes, for the confirming check of a lead-only match. Kept as they come:
/// sorting them costs as much as the rest of fingerprinting, and only the rare lead-only
/// candidate needs it, so `containment` does it then.
public struct ShingleSet: Sendable, Equatable {
    let features: [UInt64]

    public init(_ features: [UInt64]) {
        self.features = features
    }

    /// The distinct hashes, sorted.
    public var hashes: [UInt64] {
        var sorted = features.sorted()
        var unique = 0
        for index in sorted.indices where index == 0 || sorted[index] != sorted[unique - 1] {
            sorted[unique] = sorted[index]
            unique += 1
        }
        sorted.removeLast(sorted.count - unique)
        return sorted
    }

    /// How much of the smaller set the larger one holds, 0 … 1: 1 when one text's shingles are
    /// all in the other (a copy cut short), about the shared share otherwise. Containment rather
    /// than Jaccard, so a copy that lost its last third still scores 1.
    public func containment(_ other: ShingleSet) -> Double {
        Self.containment(sorted: hashes, other.hashes)
    }

    /// The same, for two sets already sorted and distinct (`hashes`), when many pairs are
    /// compared and each set is sorted once.
    public static func containment(sorted mine: [UInt64], _ theirs: [UInt64]) -> Double {
        let smaller = min(mine.count, theirs.count)
        guard smaller > 0 else { return 0 }
        var i = 0, j = 0, shared = 0
        while i < mine.count, j < theirs.count {
            if mine[i] == theirs[j] {
                shared += 1; i += 1; j += 1
            } else if mine[i] < theirs[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return Double(shared) / Double(smaller)
    }
}
