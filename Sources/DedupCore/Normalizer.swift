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
/// - Letters, combining marks and digits make words. Devanagari and Bengali vowel signs, virama
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
        var scalars = String.UnicodeScalarView()
        for v in segment { scalars.append(Unicode.Scalar(v)!) }
        let key = String(scalars)
        let tokens: [String]
        if let known = cache?.entries[key] {
            tokens = known
        } else {
            var made: [String] = []
            guard appendNormalized(key, to: &made, deadline: deadline) else { return false }
            // Words repeat; a "word" of thousands of characters is not one and would only
            // hold memory.
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
    /// A long segment is normalised in pieces of at most `pieceScalars`, cut before a scalar that
    /// NFKC leaves alone, that starts a combining sequence and that nothing before it composes
    /// with: NFKC of the pieces joined is then NFKC of the whole (UAX #15's stable boundaries),
    /// and the tokens carry over from piece to piece. Foundation's normalisation is far worse
    /// than linear on one long string (16 MiB of U+FDFA took 335 s); in pieces it is linear.
    /// Only a run of `pieceScalars` with no such scalar at all (no natural text has one) is cut
    /// where it stands.
    ///
    /// `table` speeds up classifying what NFKC gave; nil only while the table itself is built.
    /// Returns false when `deadline` passed (looked at per piece), the tokens then incomplete.
    @discardableResult
    static func appendNormalized(_ segment: String, to tokens: inout [String], table: ScalarTable? = .shared,
                                 deadline: ContinuousClock.Instant? = nil) -> Bool {
        var state = FoldState(table: table)
        let scalars = segment.unicodeScalars
        if scalars.count <= pieceScalars {
            state.fold(segment, into: &tokens)
        } else if let table {
            var pieceStart = scalars.startIndex
            var lastBoundary: String.UnicodeScalarView.Index?
            var count = 0
            var index = scalars.startIndex
            while index < scalars.endIndex {
                let v = scalars[index].value
                if index > pieceStart, v < 0x10000 {
                    let entry = table.entries[Int(v)]
                    if entry & ScalarTable.kindMask == ScalarTable.fastWord, entry & ScalarTable.maybeBit == 0,
                       (entry >> ScalarTable.cccShift) & 0xFF == 0 {
                        lastBoundary = index
                    }
                }
                count += 1
                if count >= pieceScalars {
                    if let deadline, ContinuousClock.now > deadline { return false }
                    let cut = lastBoundary ?? index
                    state.fold(String(scalars[pieceStart..<cut]), into: &tokens)
                    pieceStart = cut
                    lastBoundary = nil
                    count = scalars.distance(from: cut, to: index) + 1
                }
                index = scalars.index(after: index)
            }
            state.fold(String(scalars[pieceStart...]), into: &tokens)
        } else {
            state.fold(segment, into: &tokens)
        }
        state.flush(into: &tokens)
        return true
    }

    /// How many scalars are normalised at once, at most.
    static let pieceScalars = 1024

    /// The token being built while a segment is folded piece by piece.
    struct FoldState {
        let table: ScalarTable?
        var current = String.UnicodeScalarView()
        var currentIsUnsegmented = false
        var previous: Unicode.Scalar?

        mutating func flush(into tokens: inout [String]) {
            if !current.isEmpty { tokens.append(String(current)) }
            current.removeAll(keepingCapacity: true)
            currentIsUnsegmented = false
        }

        mutating func fold(_ piece: String, into tokens: inout [String]) {
            let folded = piece.precomposedStringWithCompatibilityMapping.lowercased()
            for scalar in folded.unicodeScalars {
                defer { previous = scalar }
                // What the table knows of a fast scalar (its class, and whether it is a mark:
                // a fast scalar folds to one of its own kind) saves two Unicode property look-ups
                // per scalar, most of the time of a long expansion such as U+FDFA's.
                let entry = scalar.value < 0x10000 ? table?.entries[Int(scalar.value)] : nil
                let isMark: Bool
                if let entry, entry & ScalarTable.kindMask != ScalarTable.slowWord {
                    switch entry & ScalarTable.kindMask {
                    case ScalarTable.ignorable: continue
                    case ScalarTable.separator: flush(into: &tokens); continue
                    default: isMark = entry & ScalarTable.markBit != 0
                    }
                } else {
                    switch Normalizer.classify(scalar) {
                    case .ignorable: continue
                    case .separator: flush(into: &tokens); continue
                    case .word: break
                    }
                    let category = scalar.properties.generalCategory
                    isMark = category == .nonspacingMark || category == .spacingMark || category == .enclosingMark
                }
                if isMark {
                    // "İ" lower-cases to "i" + U+0307: the dot is the Turkish capital's, not a letter.
                    if scalar.value == 0x0307, previous == "i" { continue }
                    current.append(scalar)
                    continue
                }
                if Normalizer.isUnsegmented(scalar.value) || currentIsUnsegmented { flush(into: &tokens) }
                currentIsUnsegmented = Normalizer.isUnsegmented(scalar.value)
                switch scalar.value {
                case 0x0131: current.append("i")  // dotless ı folds with i, I and İ
                case 0x00DF: current.append("s"); current.append("s")  // ß ~ ss, as case folding does
                case 0x03C2: current.append("\u{03C3}")  // final sigma ~ sigma
                default: current.append(scalar)
                }
            }
        }
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
    /// Segments longer than this (in scalars) are not remembered.
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
