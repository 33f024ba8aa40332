import Foundation

/// Turns text into the word tokens that fingerprints are built from.
///
/// The rules, and why:
/// - NFKC, so that NFC, NFD and compatibility forms (full-width Latin, ligatures, presentation
///   forms) of one text give one token stream.
/// - Locale-independent lower-casing, with the Turkish letters folded together: İ, I, ı and i all
///   become "i". A server cannot know the article's locale, and a headline in capitals must match
///   the same words in lower case.
/// - Default-ignorable code points (ZWJ, ZWNJ, soft hyphen, BOM, bidi marks, variation selectors)
///   are deleted inside words: editors insert and remove them freely.
/// - Letters, combining marks and digits make words. Decimal digits of every script are folded
///   to their value (० and ০ and ٠ are 0): the same figures are written either way. Devanagari and Bengali vowel signs, virama
///   and nukta are marks (Mn/Mc), so they stay inside the word: "पुतिन" is not "पतन".
/// - Everything else (punctuation including the danda । and ॥, symbols, spaces) separates words,
///   so changed quotes or punctuation change nothing.
/// - Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) give
///   one token per character, with its marks; shingles over them are character n-grams.
///
/// Two paths give the same bytes: most words are folded scalar by scalar from `ScalarTable`
/// (the fast path, about 100 MB/s on one core); the rest go through Foundation's NFKC and
/// lower-casing (`appendNormalized`, the definition). `referenceTokens` runs the definition
/// alone, for the tests that hold the two together.
public enum Normalizer {
    /// Builds the scalar table now, on every core (about 150 ms on one core), rather than in the
    /// first text's fingerprint: called before work is spread over lanes, where it would be
    /// built on one core while the others wait.
    public static func prepare() {
        _ = ScalarTable.shared
    }

    /// The tokens of `text`, in order.
    public static func tokens(of text: String) -> [String] {
        var noCache: NormalizationCache? = nil
        return stream(of: text, cache: &noCache).tokens
    }

    public static func tokens(of text: String, cache: inout NormalizationCache?) -> [String] {
        stream(of: text, cache: &cache).tokens
    }

    /// The tokens of `text` as one canonical UTF-8 buffer. Scans the UTF-8 bytes once; each word
    /// is folded scalar by scalar through `ScalarTable` when that is exact, else by the slow
    /// path (Foundation's NFKC and lower-casing), whose results `cache` remembers: words repeat
    /// a great deal in news text. The result is the same either way, byte for byte.
    public static func stream(of text: String, cache: inout NormalizationCache?) -> TokenStream {
        // Without a deadline the stream always completes.
        try! stream(of: text, cache: &cache, deadline: nil)
    }

    /// The same, giving up once `deadline` has passed (looked at every 64 KiB of input): the
    /// work is linear in the input, and the deadline is the backstop that keeps one hostile
    /// file from holding a daemon's lane, its watchdog or its shutdown.
    public static func stream(of text: String, cache: inout NormalizationCache?,
                              deadline: ContinuousClock.Instant?) throws(NormalizationTimeout) -> TokenStream {
        var text = text
        text.makeContiguousUTF8()
        let result = text.utf8.withContiguousStorageIfAvailable { input in
            Result { () throws(NormalizationTimeout) in try stream(utf8: input, cache: &cache, deadline: deadline) }
        }!
        return try result.get()
    }

    static func stream(utf8 input: UnsafeBufferPointer<UInt8>, cache: inout NormalizationCache?,
                       deadline: ContinuousClock.Instant?) throws(NormalizationTimeout) -> TokenStream {
        let table = ScalarTable.shared
        var out = TokenStream()
        out.reserve(input.count)
        var segment: [UInt32] = []
        segment.reserveCapacity(64)
        var segmentIsASCII = true

        var overBudget = false
        func flush() {
            guard !segment.isEmpty else { return }
            if segmentIsASCII {
                for v in segment { out.append(byte: UInt8(v) | (v &- 0x41 < 26 ? 0x20 : 0)) }
                out.endToken()
            } else if !appendFast(segment, table, to: &out) {
                // A long segment is where the time goes: the deadline is looked at per piece.
                overBudget = !appendSlow(segment, to: &out, cache: &cache, deadline: deadline) || overBudget
            }
            segment.removeAll(keepingCapacity: true)
            segmentIsASCII = true
        }

        var i = 0
        let n = input.count
        var nextLook = 1 << 16
        while i < n {
            if i >= nextLook {
                nextLook = i + 1 << 16
                if let deadline, ContinuousClock.now > deadline { throw NormalizationTimeout(bytesDone: i, bytesTotal: n) }
            }
            let b0 = UInt32(input[i])
            let v: UInt32
            if b0 < 0x80 {
                v = b0
                i += 1
                if v &- 0x30 < 10 || (v | 0x20) &- 0x61 < 26 {
                    segment.append(v)
                } else {
                    flush()
                    if overBudget { throw NormalizationTimeout(bytesDone: i, bytesTotal: n) }
                }
                continue
            } else if b0 < 0xE0 {
                v = (b0 & 0x1F) << 6 | UInt32(input[i + 1] & 0x3F)
                i += 2
            } else if b0 < 0xF0 {
                v = (b0 & 0x0F) << 12 | UInt32(input[i + 1] & 0x3F) << 6 | UInt32(input[i + 2] & 0x3F)
                i += 3
            } else {
                v = (b0 & 0x07) << 18 | UInt32(input[i + 1] & 0x3F) << 12 | UInt32(input[i + 2] & 0x3F) << 6
                    | UInt32(input[i + 3] & 0x3F)
                i += 4
            }
            let kind: ScalarClass = if v < 0x10000 {
                switch table.entries[Int(v)] & ScalarTable.kindMask {
                case ScalarTable.separator: .separator
                case ScalarTable.ignorable: .ignorable
                default: .word
                }
            } else {
                classify(Unicode.Scalar(v)!)
            }
            switch kind {
            case .word:
                segment.append(v)
                segmentIsASCII = false
            case .ignorable:
                continue
            case .separator:
                flush()
                if overBudget { throw NormalizationTimeout(bytesDone: i, bytesTotal: n) }
            }
        }
        flush()
        if overBudget { throw NormalizationTimeout(bytesDone: n, bytesTotal: n) }
        return out
    }

    /// The slow path for one segment: NFKC, lower-casing and the folds on the whole word.
    /// Returns false, its tokens incomplete, when `deadline` passed during a long segment.
    @discardableResult
    static func appendSlow(_ segment: [UInt32], to out: inout TokenStream, cache: inout NormalizationCache?,
                           deadline: ContinuousClock.Instant? = nil) -> Bool {
        // Words repeat, and are remembered; a "word" of thousands of characters is not one: it
        // goes straight into the stream, cluster by cluster, without a string per token.
        if segment.count > longSegment {
            let mark = out.mark
            var state = FoldState<TokenStream>(table: .shared)
            var clusters = ClusterFolder(table: .shared)
            guard clusters.fold(segment, state: &state, into: &out, deadline: deadline) else {
                out.rollBack(to: mark)
                return false
            }
            state.flush(into: &out)
            return true
        }
        var scalars = String.UnicodeScalarView()
        for v in segment { scalars.append(Unicode.Scalar(v)!) }
        let key = String(scalars)
        let tokens: [String]
        if let known = cache?.entries[key] {
            tokens = known
        } else {
            var made: [String] = []
            appendNormalized(key, to: &made)
            if segment.count <= NormalizationCache.longestKey { cache?.remember(key, made) }
            tokens = made
        }
        for token in tokens { out.append(token: token) }
        return true
    }

    /// The same tokens by the slow path alone: Foundation's NFKC and lower-casing for every
    /// word that is not ASCII, and scalar properties looked up one by one. The fast path is
    /// tested against it.
    static func referenceTokens(of text: String) -> [String] {
        var tokens: [String] = []
        var segment = String.UnicodeScalarView()
        var isASCII = true
        func flush() {
            guard !segment.isEmpty else { return }
            if isASCII { tokens.append(asciiLowercased(segment)) } else { appendNormalized(String(segment), to: &tokens, table: nil) }
            segment.removeAll()
            isASCII = true
        }
        for scalar in text.unicodeScalars {
            switch classify(scalar) {
            case .word:
                segment.append(scalar)
                if scalar.value >= 0x80 { isASCII = false }
            case .ignorable: continue
            case .separator: flush()
            }
        }
        flush()
        return tokens
    }

    // MARK: - Classification

    enum ScalarClass { case word, ignorable, separator }

    @inline(__always)
    static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        let v = scalar.value
        if v < 0x80 {
            switch v {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return .word
            default: return .separator
            }
        }
        let properties = scalar.properties
        if properties.isDefaultIgnorableCodePoint { return .ignorable }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber:
            return .word
        default:
            return .separator
        }
    }

    /// Scripts whose words are not separated by spaces: each character is a token.
    @inline(__always)
    static func isUnsegmented(_ v: UInt32) -> Bool {
        switch v {
        case 0x0E00...0x0EFF,  // Thai, Lao
             0x1000...0x109F,  // Myanmar
             0x1780...0x17FF,  // Khmer
             0x3040...0x30FF,  // Hiragana, Katakana
             0x31F0...0x31FF,  // Katakana phonetic extensions
             0x3400...0x4DBF,  // CJK extension A
             0x4E00...0x9FFF,  // CJK unified ideographs
             0xF900...0xFAFF,  // CJK compatibility ideographs
             0x20000...0x3FFFF:  // CJK extensions B and later
            return true
        default:
            return false
        }
    }

    // MARK: - Segment normalisation

    /// The fast path: folds `segment` scalar by scalar through `ScalarTable`, splitting tokens
    /// exactly as `appendNormalized` does. Returns false, having written nothing, as soon as a
    /// scalar needs the slow path (not fast, combining classes out of order, or possibly
    /// completing a composition with the scalar before it).
    @inline(__always)
    static func appendFast(_ segment: [UInt32], _ table: ScalarTable, to out: inout TokenStream) -> Bool {
        let mark = out.mark
        var currentIsUnsegmented = false
        var lastClass: UInt32 = 0
        var previous: UInt32 = 0
        var previousIsSimpleStarter = false
        for v in segment {
            guard v < 0x10000 else { out.rollBack(to: mark); return false }
            let entry = table.entries[Int(v)]
            guard entry & ScalarTable.kindMask == ScalarTable.fastWord else { out.rollBack(to: mark); return false }
            let combiningClass = (entry >> ScalarTable.cccShift) & 0xFF
            if combiningClass != 0, lastClass > combiningClass { out.rollBack(to: mark); return false }
            lastClass = combiningClass
            if entry & ScalarTable.maybeBit != 0, previous != 0,
               !previousIsSimpleStarter || table.composingPairs.contains(UInt64(previous) << 32 | UInt64(v)) {
                out.rollBack(to: mark)
                return false
            }
            previous = v
            previousIsSimpleStarter = entry & ScalarTable.simpleStarterBit != 0
            let folded = (entry >> ScalarTable.foldShift) & 0xFFFF
            if entry & ScalarTable.markBit == 0 {
                let unsegmented = entry & ScalarTable.unsegmentedBit != 0
                if unsegmented || currentIsUnsegmented { out.endToken() }
                currentIsUnsegmented = unsegmented
            }
            out.append(scalar: folded)
        }
        out.endToken()
        return true
    }

    static func asciiLowercased(_ segment: String.UnicodeScalarView) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(segment.count)
        for scalar in segment {
            let b = UInt8(truncatingIfNeeded: scalar.value)
            bytes.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// NFKC, lower-case, Turkish and German folds, then a second split: NFKC can turn one
    /// character into several words ("⑴" → "(1)"), and unsegmented scripts split per character.
    ///
    /// A segment longer than `longSegment` goes cluster by cluster (see `ClusterFolder`), the
    /// token carried across clusters.
    ///
    /// `table` speeds up classifying what NFKC gave; nil only while the table itself is built.
    /// Returns false when `deadline` passed, the tokens then incomplete.
    @discardableResult
    static func appendNormalized(_ segment: String, to tokens: inout [String], table: ScalarTable? = .shared,
                                 deadline: ContinuousClock.Instant? = nil) -> Bool {
        var sink = StringTokens()
        let done = normalize(segment, into: &sink, table: table, deadline: deadline)
        tokens += sink.tokens
        return done
    }

    static func normalize<Sink: TokenSink>(_ segment: String, into sink: inout Sink, table: ScalarTable?,
                                           deadline: ContinuousClock.Instant?) -> Bool {
        var state = FoldState<Sink>(table: table)
        if let table, segment.unicodeScalars.count > longSegment {
            var clusters = ClusterFolder(table: table)
            guard clusters.fold(segment.unicodeScalars.map(\.value), state: &state, into: &sink, deadline: deadline) else { return false }
        } else {
            state.fold(segment.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars, into: &sink)
        }
        state.flush(into: &sink)
        return true
    }

    /// A long segment (no natural word is one) is normalised cluster by cluster: a cluster
    /// starts at a scalar before which NFKC may cut (a starter whose compatibility
    /// decomposition starts with a starter that nothing composes with, so nothing before it is
    /// reordered or composed with what follows: UAX #15's stable boundaries) and runs to the
    /// next. NFKC and lower-casing of the clusters joined is then that of the whole (final
    /// sigma, the one case that depends on context, is folded to sigma anyway). Each distinct
    /// cluster goes through Foundation once and is remembered: Foundation is far worse than
    /// linear on one long string (16 MiB of U+FDFA took 335 s), and a pathological text is a
    /// few characters repeated. A run of `longSegment` with no boundary at all (no text has
    /// one) is cut where it stands.
    struct ClusterFolder {
        let table: ScalarTable
        /// Per BMP scalar: 0 not looked at yet, 1 not a boundary, 2 a boundary.
        private var safeStarts = [UInt8](repeating: 0, count: 0x10000)
        /// A cluster of one BMP scalar (the usual case) by its value; longer ones by their scalars.
        private var foldedOne = [[Unicode.Scalar]?](repeating: nil, count: 0x10000)
        private var folded: [[UInt32]: [Unicode.Scalar]] = [:]

        init(table: ScalarTable) { self.table = table }

        mutating func fold<Sink: TokenSink>(_ scalars: [UInt32], state: inout FoldState<Sink>,
                                            into sink: inout Sink, deadline: ContinuousClock.Instant?) -> Bool {
            var cluster: [UInt32] = []
            var clustersDone = 0
            for value in scalars {
                if !cluster.isEmpty, cluster.count >= longSegment || isSafeStart(value) {
                    emit(cluster, state: &state, into: &sink)
                    cluster.removeAll(keepingCapacity: true)
                    clustersDone += 1
                    if clustersDone & 0x3FF == 0, let deadline, ContinuousClock.now > deadline { return false }
                }
                cluster.append(value)
            }
            if !cluster.isEmpty { emit(cluster, state: &state, into: &sink) }
            return true
        }

        private mutating func emit<Sink: TokenSink>(_ cluster: [UInt32], state: inout FoldState<Sink>, into sink: inout Sink) {
            let one = cluster.count == 1 && cluster[0] < 0x10000
            if one, let known = foldedOne[Int(cluster[0])] {
                state.fold(known, into: &sink)
                return
            }
            if !one, let known = folded[cluster] {
                state.fold(known, into: &sink)
                return
            }
            var text = String.UnicodeScalarView()
            for v in cluster { text.append(Unicode.Scalar(v)!) }
            let result = Array(String(text).precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars)
            if one {
                foldedOne[Int(cluster[0])] = result
            } else {
                if folded.count >= 1024 { folded.removeAll(keepingCapacity: true) }
                folded[cluster] = result
            }
            state.fold(result, into: &sink)
        }

        private mutating func isSafeStart(_ v: UInt32) -> Bool {
            if v < 0x10000 {
                let entry = table.entries[Int(v)]
                // A fast scalar is its own NFKC; with class 0 and no composition, it is a boundary.
                if entry & ScalarTable.kindMask == ScalarTable.fastWord {
                    return entry & ScalarTable.maybeBit == 0 && (entry >> ScalarTable.cccShift) & 0xFF == 0
                }
                if safeStarts[Int(v)] != 0 { return safeStarts[Int(v)] == 2 }
            }
            let scalar = Unicode.Scalar(v)!
            var safe = false
            if scalar.properties.canonicalCombiningClass.rawValue == 0, !table.compositionSeconds.contains(v),
               let first = String(scalar).decomposedStringWithCompatibilityMapping.unicodeScalars.first {
                safe = first.properties.canonicalCombiningClass.rawValue == 0 && !table.compositionSeconds.contains(first.value)
            }
            if v < 0x10000 { safeStarts[Int(v)] = safe ? 2 : 1 }
            return safe
        }
    }

    /// Segments longer than this (in scalars) go cluster by cluster; no cluster is longer.
    static let longSegment = 1024

    /// The token being built while a segment is folded piece by piece.
    struct FoldState<Sink: TokenSink> {
        let table: ScalarTable?
        var currentLength = 0
        var currentIsUnsegmented = false
        var previous: Unicode.Scalar?

        mutating func flush(into sink: inout Sink) {
            if currentLength > 0 { sink.endToken() }
            currentLength = 0
            currentIsUnsegmented = false
        }

        mutating func append(_ v: UInt32, to sink: inout Sink) {
            sink.append(scalar: v)
            currentLength += 1
        }

        /// Takes scalars that are already NFKC and lower-cased.
        mutating func fold(_ folded: some Sequence<Unicode.Scalar>, into sink: inout Sink) {
            for scalar in folded {
                defer { previous = scalar }
                // What the table knows of a fast scalar (its class, and whether it is a mark:
                // a fast scalar folds to one of its own kind) saves two Unicode property look-ups
                // per scalar, most of the time of a long expansion such as U+FDFA's.
                let entry = scalar.value < 0x10000 ? table?.entries[Int(scalar.value)] : nil
                let isMark: Bool
                if let entry, entry & ScalarTable.kindMask == ScalarTable.fastWord, entry & ScalarTable.markBit == 0,
                   (entry >> ScalarTable.foldShift) & 0xFFFF == scalar.value {
                    // The common case, a letter that is its own fold: no look-up beyond the table.
                    let unsegmented = entry & ScalarTable.unsegmentedBit != 0
                    if unsegmented || currentIsUnsegmented { flush(into: &sink) }
                    currentIsUnsegmented = unsegmented
                    append(scalar.value, to: &sink)
                    continue
                }
                if let entry, entry & ScalarTable.kindMask != ScalarTable.slowWord {
                    switch entry & ScalarTable.kindMask {
                    case ScalarTable.ignorable: continue
                    case ScalarTable.separator: flush(into: &sink); continue
                    default: isMark = entry & ScalarTable.markBit != 0
                    }
                } else {
                    switch Normalizer.classify(scalar) {
                    case .ignorable: continue
                    case .separator: flush(into: &sink); continue
                    case .word: break
                    }
                    let category = scalar.properties.generalCategory
                    isMark = category == .nonspacingMark || category == .spacingMark || category == .enclosingMark
                }
                if isMark {
                    // "İ" lower-cases to "i" + U+0307: the dot is the Turkish capital's, not a letter.
                    if scalar.value == 0x0307, previous == "i" { continue }
                    append(scalar.value, to: &sink)
                    continue
                }
                // A decimal digit of any script is its value: outlets write the same figures in
                // Devanagari, Bengali, Arabic-Indic or Latin digits. (Thai digits are then not
                // tokens of their own, as Thai letters are: the split follows the folded scalar,
                // as the fast path's table does.)
                var value = scalar.value
                if scalar.properties.generalCategory == .decimalNumber, let digit = scalar.properties.numericValue,
                   digit >= 0, digit <= 9 {
                    value = 0x30 + UInt32(digit)
                }
                if Normalizer.isUnsegmented(value) || currentIsUnsegmented { flush(into: &sink) }
                currentIsUnsegmented = Normalizer.isUnsegmented(value)
                switch value {
                case 0x0131: append(0x69, to: &sink)  // dotless ı folds with i, I and İ
                case 0x00DF: append(0x73, to: &sink); append(0x73, to: &sink)  // ß ~ ss, as case folding does
                case 0x03C2: append(0x03C3, to: &sink)  // final sigma ~ sigma
                default: append(value, to: &sink)
                }
            }
        }
    }
}

/// Where folded tokens go: the token stream itself, or strings (the cache, the reference).
protocol TokenSink {
    mutating func append(scalar: UInt32)
    mutating func endToken()
}

extension TokenStream: TokenSink {}

struct StringTokens: TokenSink {
    var tokens: [String] = []
    private var current = String.UnicodeScalarView()

    mutating func append(scalar: UInt32) { current.append(Unicode.Scalar(scalar)!) }

    mutating func endToken() {
        guard !current.isEmpty else { return }
        tokens.append(String(current))
        current.removeAll(keepingCapacity: true)
    }
}

/// The normaliser gave up at its deadline.
public struct NormalizationTimeout: Error, Sendable, Equatable {
    public let bytesDone: Int
    public let bytesTotal: Int
}

/// What non-ASCII segments normalised to, bounded: cleared when it reaches `capacity` entries,
/// which keeps the most common words (they come back at once) at a fixed memory cost.
public struct NormalizationCache: Sendable {
    public let capacity: Int
    /// Segments longer than this (in scalars) are not remembered: words repeat, and a hostile
    /// text of distinct long "words" must not fill the cache with them.
    static let longestKey = 64
    var entries: [String: [String]] = [:]

    /// Segments remembered now.
    public var count: Int { entries.count }

    public init(capacity: Int = 200_000) {
        self.capacity = capacity
        entries.reserveCapacity(min(capacity, 4096))
    }

    mutating func remember(_ segment: String, _ tokens: [String]) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[segment] = tokens
    }
}
