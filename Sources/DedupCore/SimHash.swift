/// Charikar's SimHash over 64-bit features: bit b of the fingerprint is set when more than half
/// of the features have bit b set. Similar feature sets give fingerprints a small Hamming
/// distance apart; unrelated ones differ in about 32 bits.
public enum SimHash {
    /// Counts the set bits per position with plain adds (no per-bit branch), which the compiler
    /// turns into vector code, then takes the majority.
    public static func fingerprint(of features: [UInt64]) -> UInt64 {
        guard !features.isEmpty else { return 0 }
        var ones = [Int32](repeating: 0, count: 64)
        ones.withUnsafeMutableBufferPointer { counts in
            for feature in features {
                for bit in 0..<64 {
                    counts[bit] &+= Int32(truncatingIfNeeded: (feature >> UInt64(bit)) & 1)
                }
            }
        }
        let total = features.count
        var result: UInt64 = 0
        for bit in 0..<64 where Int(ones[bit]) * 2 > total {
            result |= 1 << UInt64(bit)
        }
        return result
    }

    /// The number of bits in which two fingerprints differ.
    @inlinable
    public static func distance(_ a: UInt64, _ b: UInt64) -> Int {
        (a ^ b).nonzeroBitCount
    }
}
