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
public enum Normalizer {
    /// The tokens of `text`, in order.
    public static func tokens(of text: String) -> [String] {
        var noCache: NormalizationCache? = nil
        return tokens(of: text, cache: &noCache)
    }

    /// The same, remembering what each non-ASCII segment normalised to: words repeat a great
    /// deal in news text, and a repeated word then skips Foundation's NFKC altogether. The cache
    /// is keyed by the segment exactly as it appeared, so the result cannot differ.
    public static func tokens(of text: String, cache: inout NormalizationCache?) -> [String] {
        var tokens: [String] = []
        tokens.reserveCapacity(text.utf8.count / 6)
        var segment = String.UnicodeScalarView()
        var segmentIsASCII = true

        func flushSegment() {
            guard !segment.isEmpty else { return }
            if segmentIsASCII {
                tokens.append(asciiLowercased(segment))
            } else {
                let key = String(segment)
                if let known = cache?.entries[key] {
                    tokens.append(contentsOf: known)
                } else {
                    let start = tokens.count
                    appendNormalized(key, to: &tokens)
                    cache?.remember(key, Array(tokens[start...]))
                }
            }
            segment.removeAll(keepingCapacity: true)
            segmentIsASCII = true
        }

        for scalar in text.unicodeScalars {
            switch classify(scalar) {
            case .word:
                segment.append(scalar)
                if scalar.value >= 0x80 { segmentIsASCII = false }
            case .ignorable:
                continue
            case .separator:
                flushSegment()
            }
        }
        flushSegment()
        return tokens
    }

    /// The canonical form of a text: its tokens joined by single spaces. Its SHA-256 is the
    /// exact-duplicate key, so two files that differ only in what normalising removes are one
    /// article.
    public static func canonicalText(of tokens: [String]) -> String {
        tokens.joined(separator: " ")
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
    static func appendNormalized(_ segment: String, to tokens: inout [String]) {
        let folded = segment.precomposedStringWithCompatibilityMapping.lowercased()
        var current = String.UnicodeScalarView()
        var currentIsUnsegmented = false
        var previous: Unicode.Scalar?

        func flush() {
            if !current.isEmpty { tokens.append(String(current)) }
            current.removeAll(keepingCapacity: true)
            currentIsUnsegmented = false
        }

        for scalar in folded.unicodeScalars {
            defer { previous = scalar }
            switch classify(scalar) {
            case .ignorable: continue
            case .separator: flush(); continue
            case .word: break
            }
            let category = scalar.properties.generalCategory
            let isMark = category == .nonspacingMark || category == .spacingMark || category == .enclosingMark
            if isMark {
                // "İ" lower-cases to "i" + U+0307: the dot is the Turkish capital's, not a letter.
                if scalar.value == 0x0307, previous == "i" { continue }
                current.append(scalar)
                continue
            }
            if isUnsegmented(scalar.value) || currentIsUnsegmented { flush() }
            currentIsUnsegmented = isUnsegmented(scalar.value)
            switch scalar.value {
            case 0x0131: current.append("i")  // dotless ı folds with i, I and İ
            case 0x00DF: current.append("s"); current.append("s")  // ß ~ ss, as case folding does
            case 0x03C2: current.append("\u{03C3}")  // final sigma ~ sigma
            default: current.append(scalar)
            }
        }
        flush()
    }
}

/// What non-ASCII segments normalised to, bounded: cleared when it reaches `capacity` entries,
/// which keeps the most common words (they come back at once) at a fixed memory cost.
public struct NormalizationCache: Sendable {
    public let capacity: Int
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
