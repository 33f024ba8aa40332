/// What the store keeps of an article's content to recognise it again.
public struct Fingerprint: Sendable, Equatable, Hashable {
    /// SimHash-64 of the shingles; near duplicates lie a few bits apart.
    public let simhash: UInt64
    /// SHA-256 of the canonical (normalised) text; equal digests mean an exact duplicate.
    public let sha256: [UInt8]
    /// How many tokens the text had, for diagnostics.
    public let tokenCount: Int

    public init(simhash: UInt64, sha256: [UInt8], tokenCount: Int) {
        self.simhash = simhash
        self.sha256 = sha256
        self.tokenCount = tokenCount
    }

    /// The SimHash as the feed prints it: 16 lowercase hex digits.
    public var simhashHex: String { SimHash.hex(simhash) }
}

extension SimHash {
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Why a decoded text has no fingerprint.
public enum FingerprintError: Error, Equatable, Sendable, CustomStringConvertible {
    case noWords

    public var description: String {
        switch self {
        case .noWords: "no words: the text holds only punctuation, symbols or white space"
        }
    }
}

/// Text in, fingerprint out: normalise, shingle, hash. The parameters are fixed per store.
public struct Fingerprinter: Sendable {
    /// Bumped whenever a change would give an existing text another fingerprint.
    public static let algorithmVersion = 1

    public let shingler: Shingler

    public init(shingleSize: Int = Shingler.defaultSize) {
        shingler = Shingler(size: shingleSize)
    }

    public func fingerprint(of text: String) throws(FingerprintError) -> Fingerprint {
        var noCache: NormalizationCache? = nil
        return try fingerprint(of: text, cache: &noCache)
    }

    /// The same, with a normalisation cache kept by the caller across texts (see
    /// `NormalizationCache`); the fingerprint is identical with or without it.
    public func fingerprint(of text: String, cache: inout NormalizationCache?) throws(FingerprintError) -> Fingerprint {
        let tokens = Normalizer.tokens(of: text, cache: &cache)
        guard !tokens.isEmpty else { throw .noWords }
        let canonical = Normalizer.canonicalText(of: tokens)
        return Fingerprint(
            simhash: SimHash.fingerprint(of: shingler.features(of: tokens)),
            sha256: SHA256.digest(canonical.utf8),
            tokenCount: tokens.count
        )
    }
}
