/// What the store keeps of an article's content to recognise it again.
public struct Fingerprint: Sendable, Equatable, Hashable {
    /// SimHash-64 of the shingles; near duplicates lie a few bits apart.
    public let simhash: UInt64
    /// SimHash-64 of the shingles of the first `Fingerprinter.defaultLeadTokens` tokens only (equal to
    /// `simhash` for shorter texts). A copy with its last paragraphs cut keeps its lead; a
    /// match on the lead alone is confirmed by shingle containment (see `Verdict`).
    public let leadSimhash: UInt64
    /// SHA-256 of the canonical (normalised) text; equal digests mean an exact duplicate.
    public let sha256: [UInt8]
    /// How many tokens the text had, for diagnostics.
    public let tokenCount: Int
    /// The smallest hashes of the text's word n-grams (`Anchors`): a copy that lost its top,
    /// gained chrome or was cut deep still shares some, where its SimHash drifted away.
    public let anchors: [UInt32]

    public init(simhash: UInt64, leadSimhash: UInt64, sha256: [UInt8], tokenCount: Int, anchors: [UInt32] = []) {
        self.simhash = simhash
        self.leadSimhash = leadSimhash
        self.sha256 = sha256
        self.tokenCount = tokenCount
        self.anchors = anchors
    }

    /// The SimHash as the feed prints it: 16 lowercase hex digits.
    public var simhashHex: String { SimHash.hex(simhash) }
    public var leadSimhashHex: String { SimHash.hex(leadSimhash) }
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
    /// The text was not normalised within its time budget (a pathological text).
    case overBudget(seconds: Double, bytesDone: Int, bytesTotal: Int)

    public var description: String {
        switch self {
        case .noWords: "no words: the text holds only punctuation, symbols or white space"
        case .overBudget(let seconds, let done, let total):
            "not normalised within its \(seconds)-second budget (\(done) of \(total) bytes done): text this slow to normalise is not an article"
        }
    }
}

/// Text in, fingerprint out: strip markup, normalise, shingle, hash. The parameters are fixed
/// per store.
public struct Fingerprinter: Sendable {
    /// Bumped whenever a change would give an existing text another fingerprint; a store written
    /// with another version is refused until `newsdedupd reindex` has refingerprinted it.
    /// 1: word bigrams. 2: markup stripped first, and the lead fingerprint added. 3: decimal
    /// digits of every script folded to their value (०-९, ০-৯, ٠-٩ … as 0-9). 4: anchors.
    public static let algorithmVersion = 4

    /// How many tokens the lead fingerprint covers: about the first two paragraphs of a news
    /// story (or 128 characters of Chinese or Japanese). Chosen on the evaluation set
    /// (`scripts/bench.sh quality --explore`): 64, 150 and 300 all give recall 0.998-0.999 on
    /// "last paragraph cut"; much shorter leads would let an edit near the top change the whole
    /// lead, much longer ones would not survive a longer cut.
    public static let defaultLeadTokens = 128

    public let shingler: Shingler
    public let leadTokens: Int

    public init(shingleSize: Int = Shingler.defaultSize, leadTokens: Int = Fingerprinter.defaultLeadTokens) {
        precondition(leadTokens >= shingleSize, "the lead must hold at least one shingle")
        shingler = Shingler(size: shingleSize)
        self.leadTokens = leadTokens
    }

    public func fingerprint(of text: String) throws(FingerprintError) -> Fingerprint {
        var noCache: NormalizationCache? = nil
        return try analyze(text, cache: &noCache).fingerprint
    }

    /// The same, with a normalisation cache kept by the caller across texts (see
    /// `NormalizationCache`); the fingerprint is identical with or without it.
    public func fingerprint(of text: String, cache: inout NormalizationCache?) throws(FingerprintError) -> Fingerprint {
        try analyze(text, cache: &cache).fingerprint
    }

    /// The fingerprint and the set of shingle hashes it was made from, which a lead-only match
    /// is confirmed against.
    public func analyze(_ text: String, cache: inout NormalizationCache?) throws(FingerprintError) -> (fingerprint: Fingerprint, shingles: ShingleSet) {
        try analyze(text, cache: &cache, budget: nil)
    }

    /// The same, within `budget` seconds of normalisation (nil: no limit).
    public func analyze(_ text: String, cache: inout NormalizationCache?, budget: Double?) throws(FingerprintError)
        -> (fingerprint: Fingerprint, shingles: ShingleSet) {
        let tokens: TokenStream
        do {
            tokens = try Normalizer.stream(of: Markup.plainText(text), cache: &cache,
                                           deadline: budget.map { ContinuousClock.now + .seconds($0) })
        } catch {
            throw .overBudget(seconds: budget ?? 0, bytesDone: error.bytesDone, bytesTotal: error.bytesTotal)
        }
        guard !tokens.isEmpty else { throw .noWords }
        let features = shingler.features(of: tokens)
        // The lead's shingles are the first ones of the whole text: shingle i starts at token i.
        let leadFeatures = tokens.count <= leadTokens
            ? features : Array(features.prefix(leadTokens - shingler.size + 1))
        let simhash = SimHash.fingerprint(of: features)
        let fingerprint = Fingerprint(
            simhash: simhash,
            leadSimhash: tokens.count <= leadTokens ? simhash : SimHash.fingerprint(of: leadFeatures),
            sha256: SHA256.digest(tokens.bytes),  // the canonical text: tokens joined by spaces
            tokenCount: tokens.count,
            anchors: Anchors.of(shingles: features, width: shingler.size)
        )
        return (fingerprint, ShingleSet(features))
    }
}
