
/// What the normaliser needs to know about each Basic Multilingual Plane scalar, computed once
/// from the very rules of the slow path (`Normalizer.classify` and `appendNormalized`), so the
/// fast path cannot disagree with it: the table is the slow path run on one scalar at a time,
/// kept only where one scalar at a time gives the same answer as a whole word.
///
/// A word scalar is *fast* when NFKC leaves it alone and it is not the second half of a
/// canonical composition (NFKC quick check "Yes"), and folding it (lower case, the Turkish and
/// German folds) gives exactly one scalar. A word made of fast scalars whose combining classes
/// never decrease is already NFKC, so folding it scalar by scalar is what NFKC + lower-casing
/// the whole word gives (the quick-check theorem of UAX #15). Everything else — decomposable
/// and compatibility characters, composition seconds such as the nukta or Bengali "া", Hangul
/// jamo, "ß", "İ"'s combining dot — goes to the slow path, word by word.
struct ScalarTable: Sendable {
    /// Bits of an entry.
    static let separator: UInt32 = 0, ignorable: UInt32 = 1, fastWord: UInt32 = 2, slowWord: UInt32 = 3
    static let kindMask: UInt32 = 3
    static let markBit: UInt32 = 1 << 2  // the folded scalar is a combining mark (Mn, Mc, Me)
    static let unsegmentedBit: UInt32 = 1 << 3  // the folded scalar is in a script without spaces
    static let cccShift: UInt32 = 4  // 8 bits of canonical combining class
    static let foldShift: UInt32 = 12  // 16 bits: the folded scalar (BMP)
    /// Can complete a canonical composition with the scalar before it (quick check "Maybe"),
    /// such as the nukta after "न" or Bengali "া" after "ে": fast only right after a starter
    /// that does not decompose, and when `composingPairs` does not hold (that starter, this).
    static let maybeBit: UInt32 = 1 << 28
    /// A starter (class 0) whose canonical decomposition is itself: what a "maybe" scalar may
    /// follow on the fast path.
    static let simpleStarterBit: UInt32 = 1 << 29

    /// One entry per BMP scalar (surrogates are separators: they never occur in a String).
    let entries: [UInt32]

    static let shared = ScalarTable()

    /// Built once per process, on first use. The Foundation normalisation calls that derive it
    /// are slow (about 150 ms for the plane here), so the daemon builds it while its store
    /// opens (`Normalizer.prepare()`), not inside the first batch. One thread: a library with
    /// no I/O does not decide how many threads a process has.
    init() {
        let compositions = Self.compositionFacts()
        entries = (0..<0x10000).map { Self.entry($0, compositions) }
        composingPairs = compositions.pairs
        compositionSeconds = compositions.seconds
    }

    static func entry(_ value: Int, _ compositions: (seconds: Set<UInt32>, pairs: Set<UInt64>, hangulSeconds: Set<UInt32>)) -> UInt32 {
        guard let scalar = Unicode.Scalar(value) else { return Self.separator }
        switch Normalizer.classify(scalar) {
        case .separator: return Self.separator
        case .ignorable: return Self.ignorable
        case .word: break
        }
        let alone = String(scalar)
        let isSecond = compositions.seconds.contains(UInt32(value))
        guard !compositions.hangulSeconds.contains(UInt32(value)),
              alone.precomposedStringWithCompatibilityMapping.unicodeScalars.elementsEqual(alone.unicodeScalars)
        else { return Self.slowWord }
        var tokens: [String] = []
        Normalizer.appendNormalized(alone, to: &tokens, table: nil)
        guard tokens.count == 1, tokens[0].unicodeScalars.count == 1,
              let folded = tokens[0].unicodeScalars.first, folded.value < 0x10000,
              // The fold itself must be stable, and "i" + U+0307 is folded with context.
              scalar.value != 0x0307, folded.value != 0x0307
        else { return Self.slowWord }
        let category = folded.properties.generalCategory
        let isMark = category == .nonspacingMark || category == .spacingMark || category == .enclosingMark
        var entry = Self.fastWord | (folded.value << Self.foldShift)
        entry |= UInt32(scalar.properties.canonicalCombiningClass.rawValue) << Self.cccShift
        if isMark { entry |= Self.markBit }
        if Normalizer.isUnsegmented(folded.value) { entry |= Self.unsegmentedBit }
        if isSecond { entry |= Self.maybeBit }
        if scalar.properties.canonicalCombiningClass.rawValue == 0,
           alone.decomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(alone.unicodeScalars) {
            entry |= Self.simpleStarterBit
        }
        return entry
    }

    /// (first << 32 | second) for every composite that decomposes into exactly these two.
    let composingPairs: Set<UInt64>
    /// Every scalar that can be a later part of a canonical composition (Hangul vowels and
    /// trailing consonants included): nothing may be cut just before one.
    let compositionSeconds: Set<UInt32>

    /// The composition facts of the BMP, found by decomposing every composite that NFC puts
    /// back together:
    /// - `seconds`: every scalar that can be a later part of a composition (quick check "Maybe");
    /// - `pairs`: the composites that decompose into exactly two scalars. A "maybe" scalar right
    ///   after a starter that does not decompose can only compose with that starter, and only
    ///   if the two are such a pair: anything else sends the word to the slow path.
    /// - `hangulSeconds`: vowel and trailing jamo, which compose algorithmically; always slow.
    static func compositionFacts() -> (seconds: Set<UInt32>, pairs: Set<UInt64>, hangulSeconds: Set<UInt32>) {
        var seconds = Set<UInt32>(), pairs = Set<UInt64>()
        for value in 0..<0x10000 {
            guard let scalar = Unicode.Scalar(value), !(0xAC00...0xD7A3).contains(value) else { continue }
            let alone = String(scalar)
            let parts = Array(alone.decomposedStringWithCanonicalMapping.unicodeScalars)
            guard parts.count >= 2,
                  alone.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(alone.unicodeScalars)
            else { continue }
            for part in parts.dropFirst() { seconds.insert(part.value) }
            if parts.count == 2 { pairs.insert(UInt64(parts[0].value) << 32 | UInt64(parts[1].value)) }
        }
        let hangul = Set(Array(UInt32(0x1161)...0x1175) + Array(UInt32(0x11A8)...0x11C2))
        return (seconds.union(hangul), pairs, hangul)
    }
}
