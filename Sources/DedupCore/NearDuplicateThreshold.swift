/// The default Hamming distance at or below which two fingerprints are near duplicates.
///
/// Chosen from measurement (`scripts/measure_edit_distances.py`, shingle size 2, on the seeds):
/// cutting one sentence (up to 6 % of the words) moved the SimHash by 0-7 bits, 90 % of the time
/// by 5 or fewer; a "read also" line removed moved it 4; cutting 6-30 % of the text moved it
/// up to 9. Different articles, even on the same event in the same language, were 22 or more
/// bits apart. Unrelated texts differ in 32 ± 4 bits, so the chance that two of them fall within
/// 7 bits is 4·10⁻¹¹ per pair.
///
/// 7 also sits where the band index is cheap: ⌊7/4⌋ = 1, so each of the four bands probes 17
/// keys. At 8-11 it would probe 137 keys a band. A larger cut than a sentence or two is the
/// business of the quality work (confirmation by shingle overlap), not of a looser threshold.
public enum NearDuplicateThreshold {
    public static let defaultMaxDistance = 7
}

extension NearDuplicateThreshold {
    /// A match on the lead fingerprint alone counts when at least this share of the shorter
    /// text's shingles are in the other. On the evaluation set, copies with their last
    /// paragraph cut score 0.95-1; unrelated stories that open with the same 150-word block
    /// score below 0.3, and 0.7, 0.8 and 0.9 all gave precision 1.000 and recall 0.998:
    /// 0.8 sits in the middle.
    public static let minimumContainment = 0.8
}
