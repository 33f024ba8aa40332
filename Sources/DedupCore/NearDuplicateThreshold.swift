/// The default Hamming distance at or below which two fingerprints are near duplicates.
///
/// Chosen on the evaluation set (`scripts/bench.sh quality`: 269 real documents in 8 languages,
/// 12 kinds of re-publication edit, 36,260 hard-negative pairs), with the lead fingerprint and
/// its containment check: at 7, precision 1.000 and recall 0.998, no script below 0.995, no
/// false duplicate among the hard negatives; the first false duplicates appear at 9. On the
/// seeds, different stories on the same event in the same language are 22+ bits apart.
/// Unrelated texts differ in 32 ± 4 bits, so the chance that two fall within 7 bits is
/// 4·10⁻¹¹ per pair.
///
/// 7 also sits where the band index is cheap: ⌊7/4⌋ = 1, so each of the four bands probes 17
/// keys. At 8-11 it would probe 137 keys a band.
public enum NearDuplicateThreshold {
    public static let defaultMaxDistance = 7
}

extension NearDuplicateThreshold {
    /// A match on the lead fingerprint alone counts when at least this share of the shorter
    /// text's shingles are in the other. On the evaluation set, copies with their last
    /// paragraph cut score 0.95-1; unrelated stories that open with the same 150-word block
    /// score below 0.3, and 0.7, 0.8 and 0.9 all gave precision 1.000 and recall 0.998:
    /// 0.8 sits in the middle.
    ///
    /// The leads themselves must be equal, not within K: on the evaluation set that gives the
    /// same precision and recall, per script and per edit, as leads within 1, 3 or 7 bits (a
    /// copy cut short keeps its first 128 tokens, and normalisation absorbs the small edits
    /// there). An equal lead is one indexed SQLite lookup, so the in-memory index holds the
    /// whole-text fingerprint only, in half the memory.
    public static let minimumContainment = 0.8

    /// An anchor candidate is confirmed only when its whole-text SimHash is within this many
    /// bits. On the heavy evaluation set the 1,044 copies that only an anchor finds lie 8-27
    /// bits away, 99.6 % within 24; unrelated texts lie 32 ± 4 bits apart, 3 % within 24. So
    /// the bound costs 4 of 5,202 copies and spares 97 % of the confirmations that chance and
    /// common phrases bring (a third of all articles at 100 M get one; each reads and analyses
    /// a stored text).
    public static let maxPartDistance = 24
}
