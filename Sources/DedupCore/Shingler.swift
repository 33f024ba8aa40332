/// Hashed word shingles: every run of `size` consecutive tokens becomes one 64-bit feature.
///
/// Why n = 2, measured on the seeds with `scripts/measure_edit_distances.py`:
///
///     n   closest two seeds   one sentence cut (≤6 % of words)   6-30 % cut
///     1          13                  max 4                          max 7
///     2          22                  max 7                          max 9
///     3          24                  max 7                          max 13
///     4          25                  max 11                         max 13
///
/// Single words (n = 1) are shared by every article on the same event ("पुतिन", "किम",
/// "रूस"), which pulls different stories on one subject towards each other (13 bits). From
/// n = 2 on, different stories sit 22+ bits apart, while each larger n makes every edit touch
/// more features and move more bits. n = 2 keeps the widest gap between "same story, edited"
/// and "another story". For unsegmented scripts the tokens are characters, so these are
/// character bigrams, the classic unit for Chinese and Japanese text.
public struct Shingler: Sendable {
    public static let defaultSize = 2

    public let size: Int

    public init(size: Int = Shingler.defaultSize) {
        precondition(size >= 1, "shingle size must be at least 1")
        self.size = size
    }

    /// One hash per token (its bytes hashed in place, once whatever the shingle size), then
    /// one per shingle from those.
    public func features(of stream: TokenStream) -> [UInt64] {
        stream.bytes.withUnsafeBytes { buffer in
            features(hashes: (0..<stream.count).map { XXHash64.hash(UnsafeRawBufferPointer(rebasing: buffer[stream.range($0)])) })
        }
    }

    func features(hashes tokenHashes: [UInt64]) -> [UInt64] {
        guard !tokenHashes.isEmpty else { return [] }
        let width = min(size, tokenHashes.count)
        let seed = UInt64(width) &* XXHash64.p5
        var features = [UInt64]()
        features.reserveCapacity(tokenHashes.count - width + 1)
        for start in 0...(tokenHashes.count - width) {
            var acc = seed
            for offset in 0..<width { acc = XXHash64.round(acc, tokenHashes[start + offset]) }
            features.append(XXHash64.avalanche(acc))
        }
        return features
    }
}
