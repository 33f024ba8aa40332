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
    /// Tokens per n-gram (characters for unsegmented scripts, as for the shingles).
    public static let shingleSize = 4

    /// The `count` smallest distinct values of `features`, ascending, as their low 32 bits (the
    /// high bits of the smallest values are mostly zero; the low ones are as random as ever).
    /// Fewer when the text has fewer distinct n-grams.
    public static func smallest(of features: [UInt64], count: Int = Anchors.count) -> [UInt32] {
        var smallest: [UInt64] = []
        smallest.reserveCapacity(count + 1)
        for feature in features {
            if smallest.count == count, feature >= smallest[count - 1] { continue }
            // Insertion into a list of at most `count`: linear in the text, no sort.
            var position = smallest.count
            while position > 0, smallest[position - 1] > feature { position -= 1 }
            if position > 0, smallest[position - 1] == feature { continue }
            smallest.insert(feature, at: position)
            if smallest.count > count { smallest.removeLast() }
        }
        return smallest.map { UInt32(truncatingIfNeeded: $0) }
    }
}
