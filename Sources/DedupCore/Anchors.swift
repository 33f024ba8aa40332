/// A text's anchors: the smallest hashes of its word n-grams (a bottom-k sketch). They find a
/// re-published copy that whole-text SimHash loses — a new headline and lede, site chrome
/// around the story, a story cut to 60 %, an update inserted — because every such copy keeps
/// most of the story's n-grams, and the smallest hashes of a set are, with high probability,
/// among the smallest of any large part of it. Texts that share an anchor are candidates only:
/// each is confirmed by shingle containment (`Verdict.decide`).
///
/// Chosen on the heavy evaluation set (`scripts/bench.sh quality --heavy --explore`, 6,899
/// texts, results in `Benchmarks/Quality/HEAVY.md`), every candidate confirmed by containment
/// ≥ 0.8: four anchors of word 4-grams find 0.999 of the copies (0.985 of "all heavy edits at
/// once") through 118 K candidate pairs. Word pairs, as the fingerprint uses, found 1.000
/// (0.996) through 388 K: a pair common in a language ("of the") that happens to hash small
/// is an anchor of nearly every text of that language, and each such text becomes everyone's
/// candidate, each costing a confirmation. 3-grams: 0.993 through 153 K; six 4-gram anchors:
/// 0.996 through 136 K, but 8 more bytes per article than the index's budget of 64.
public enum Anchors {
    /// Anchors kept per text.
    public static let count = 4
    /// Tokens per n-gram (characters for unsegmented scripts, as for the shingles): two of the
    /// fingerprint's shingles.
    public static let shingleSize = 2 * Shingler.defaultSize

    /// The anchors of a text from its shingles of `width` tokens (the fingerprint's pairs): the
    /// 4-gram starting at token i is hashed from the pairs at i and i + 2, one round each and an
    /// avalanche, so the anchors cost a fraction of the fingerprint and no array. A text too
    /// short for one 2·`width`-gram takes its shingles themselves.
    public static func of(shingles features: [UInt64], width: Int = Shingler.defaultSize) -> [UInt32] {
        guard features.count > width else { return smallest(of: features) }
        var smallest = Smallest()
        let seed = UInt64(2 * width) &* XXHash64.p5
        features.withUnsafeBufferPointer { f in
            for i in 0..<(f.count - width) {
                smallest.offer(XXHash64.avalanche(XXHash64.round(XXHash64.round(seed, f[i]), f[i + width])))
            }
        }
        return smallest.keys
    }

    /// The `count` smallest distinct values of `features`, ascending, as their low 32 bits (the
    /// high bits of the smallest values are mostly zero; the low ones are as random as ever).
    /// Fewer when there are fewer distinct values.
    public static func smallest(of features: [UInt64]) -> [UInt32] {
        var smallest = Smallest()
        for feature in features { smallest.offer(feature) }
        return smallest.keys
    }

    /// The `count` smallest distinct values seen, kept sorted in a fixed tuple.
    struct Smallest {
        private var values: (UInt64, UInt64, UInt64, UInt64) = (.max, .max, .max, .max)
        private var held = 0

        @inline(__always)
        mutating func offer(_ value: UInt64) {
            // Most values are larger than the largest kept: one comparison.
            if held == Anchors.count, value >= values.3 { return }
            if value == values.0 || value == values.1 || value == values.2 || value == values.3 { return }
            if value < values.0 {
                values = (value, values.0, values.1, values.2)
            } else if value < values.1 {
                values = (values.0, value, values.1, values.2)
            } else if value < values.2 {
                values = (values.0, values.1, value, values.2)
            } else {
                values.3 = value
            }
            held = min(held + 1, Anchors.count)
        }

        var keys: [UInt32] {
            [values.0, values.1, values.2, values.3].prefix(held).map { UInt32(truncatingIfNeeded: $0) }
        }
    }
}
