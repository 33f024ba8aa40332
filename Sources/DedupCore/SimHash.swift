/// Charikar's SimHash over 64-bit features: bit b of the fingerprint is set when more than half
/// of the features have bit b set. Similar feature sets give fingerprints a small Hamming
/// distance apart; unrelated ones differ in about 32 bits.
public enum SimHash {
    /// Counts the set bits per position without a branch per bit: each byte of a feature is
    /// spread by a table into eight one-byte counters packed in a UInt64 and added to that
    /// byte's accumulator, so a feature costs eight lookups and adds instead of 64. The packed
    /// counters are emptied into 32-bit totals every 255 features, before a byte can overflow.
    public static func fingerprint(of features: [UInt64]) -> UInt64 {
        guard !features.isEmpty else { return 0 }
        var totals = [Int](repeating: 0, count: 64)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 8) { packed in
            packed.initialize(repeating: 0)
            spread.withUnsafeBufferPointer { spread in
                var pending = 0
                func drain() {
                    for byte in 0..<8 {
                        for bit in 0..<8 { totals[8 * byte + bit] += Int((packed[byte] >> UInt64(8 * bit)) & 0xFF) }
                        packed[byte] = 0
                    }
                    pending = 0
                }
                for feature in features {
                    for byte in 0..<8 {
                        packed[byte] &+= spread[Int((feature >> UInt64(8 * byte)) & 0xFF)]
                    }
                    pending += 1
                    if pending == 255 { drain() }
                }
                drain()
            }
        }
        let total = features.count
        var result: UInt64 = 0
        for bit in 0..<64 where totals[bit] * 2 > total {
            result |= 1 << UInt64(bit)
        }
        return result
    }

    /// For each byte value, its eight bits as eight bytes of 0 or 1 (bit i in byte i).
    static let spread: [UInt64] = (0..<256).map { (value: Int) -> UInt64 in
        var packed: UInt64 = 0
        for bit in 0..<8 where (value >> bit) & 1 == 1 { packed |= 1 << UInt64(8 * bit) }
        return packed
    }

    /// The number of bits in which two fingerprints differ.
    @inlinable
    public static func distance(_ a: UInt64, _ b: UInt64) -> Int {
        (a ^ b).nonzeroBitCount
    }
}
