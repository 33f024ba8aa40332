/// The near-duplicate index key: a fingerprint cut into four 16-bit bands.
///
/// Pigeonhole: if two fingerprints differ in at most K bits, the four bands together hold at
/// most K differing bits, so at least one band differs in at most r = ⌊K/4⌋ bits. A query
/// therefore looks up, in each band's index, every 16-bit value within r bits of its own band
/// value (1 value for r = 0, 17 for r = 1, 137 for r = 2), and checks the candidates' exact
/// distance. Nothing within K is missed, and each lookup hits about N/65536 rows.
public enum BandKey {
    public static let bandCount = 4

    /// Band i holds bits 16·i … 16·i+15.
    @inlinable
    public static func band(_ index: Int, of fingerprint: UInt64) -> UInt16 {
        UInt16(truncatingIfNeeded: fingerprint >> UInt64(16 * index))
    }

    public static func bands(of fingerprint: UInt64) -> [UInt16] {
        (0..<bandCount).map { band($0, of: fingerprint) }
    }

    /// The per-band search radius that guarantees finding every fingerprint within `maxDistance`.
    public static func radius(forMaxDistance maxDistance: Int) -> Int {
        max(0, maxDistance) / bandCount
    }

    /// Every 16-bit value within `radius` bits of `value`, `value` itself first.
    public static func probes(around value: UInt16, radius: Int) -> [UInt16] {
        probes(around: UInt32(value), width: 16, radius: radius).map { UInt16($0) }
    }

    /// Every `width`-bit value within `radius` bits of `value`, `value` itself first: each
    /// combination of up to `radius` distinct bits flipped, in increasing bit order.
    public static func probes(around value: UInt32, width: Int, radius: Int) -> [UInt32] {
        var result: [UInt32] = [value]
        guard radius > 0 else { return result }
        func extend(_ current: UInt32, from bit: Int, remaining: Int) {
            guard remaining > 0 else { return }
            for b in bit..<width {
                let flipped = current ^ (1 << UInt32(b))
                result.append(flipped)
                extend(flipped, from: b + 1, remaining: remaining - 1)
            }
        }
        extend(value, from: 0, remaining: min(radius, width))
        return result
    }
}
