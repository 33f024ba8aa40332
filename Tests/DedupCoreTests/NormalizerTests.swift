@testable import DedupCore
import Foundation
import Testing

@Suite struct NormalizerTests {
    /// Issue 14, item 5: a "word" longer than a piece is normalised piece by piece, cut at
    /// stable boundaries, and gives exactly the tokens of normalising it whole.
    @Test(arguments: [
        String(repeating: "\u{1100}\u{1161}\u{11A8}", count: 1500),  // Hangul jamo: compose across scalars
        String(repeating: "क\u{093C}ि", count: 1200),  // Devanagari with nukta
        String(repeating: "a\u{0301}\u{0323}", count: 1000),  // marks to reorder
        String(repeating: "\u{FDFA}", count: 1100),  // expands to 18 characters each
        String(repeating: "ｶﾞ", count: 1100),  // half-width kana with a voiced mark that composes
        String(repeating: "İ", count: 1500),  // folds with context
    ])
    func longSegmentsNormaliseInPiecesExactlyAsWhole(text: String) {
        #expect(Normalizer.tokens(of: text) == Normalizer.referenceTokens(of: text))
    }

    @Test func aTextPastItsBudgetIsRefused() {
        var cache: NormalizationCache? = nil
        let bomb = String(repeating: "\u{FDFA}", count: 200_000)
        #expect(throws: FingerprintError.self) { try Fingerprinter().analyze(bomb, cache: &cache, budget: 0) }
        #expect((try? Fingerprinter().analyze("a few words here", cache: &cache, budget: 0)) != nil, "short texts finish")
    }

    @Test func indicVowelSignsViramaAndNuktaStayInsideWords() {
        #expect(Normalizer.tokens(of: "पुतिन, राष्ट्रपति। मुलाक़ात॥") == ["पुतिन", "राष्ट्रपति", "मुलाक़ात"])
        #expect(Normalizer.tokens(of: "ভ্লাদিমির পুতিন।") == ["ভ্লাদিমির", "পুতিন"])
    }

    @Test func dandaAndDoubleDandaSeparate() {
        #expect(Normalizer.tokens(of: "हुई।दोनों॥अब") == ["हुई", "दोनों", "अब"])
    }

    @Test func turkishDottedAndDotlessIFoldTogether() {
        let forms = ["İSTANBUL IŞIK", "istanbul ışık", "İstanbul Işık", "ISTANBUL IŞIK"]
        let tokens = Set(forms.map { Normalizer.tokens(of: $0) })
        #expect(tokens == [["istanbul", "işik"]])
    }

    @Test func zeroWidthJoinersAndSoftHyphensVanish() {
        #expect(Normalizer.tokens(of: "क्\u{200D}ष रा\u{200C}ष्ट्र news\u{00AD}paper") == Normalizer.tokens(of: "क्ष राष्ट्र newspaper"))
        #expect(Normalizer.tokens(of: "news\u{00AD}paper") == ["newspaper"])
    }

    @Test func quotesAndPunctuationAreSeparatorsOnly() {
        #expect(Normalizer.tokens(of: "“Kim” said: ‘yes’…") == Normalizer.tokens(of: "\"Kim\" said - 'yes'..."))
    }

    @Test func compatibilityFormsFold() {
        #expect(Normalizer.tokens(of: "ＫＩＭ ﬁne Straße ΟΔΟΣ") == ["kim", "fine", "strasse", "οδοσ"])
    }

    @Test func unsegmentedScriptsGiveOneTokenPerCharacter() {
        #expect(Normalizer.tokens(of: "金正恩与普京。iPhone手机") == ["金", "正", "恩", "与", "普", "京", "iphone", "手", "机"])
        #expect(Normalizer.tokens(of: "ｳﾗｼﾞｵｽﾄｸ") == Normalizer.tokens(of: "ウラジオストク"))
    }

    @Test(arguments: ["hindi", "bengali", "turkish", "latin", "cyrillic", "chinese", "japanese"])
    func nfcAndNFDGiveTheSameTokens(script: String) throws {
        let text = try #require(ScriptSamples.texts[script])
        let nfd = text.decomposedStringWithCanonicalMapping
        let nfc = text.precomposedStringWithCanonicalMapping
        #expect(Normalizer.tokens(of: nfd) == Normalizer.tokens(of: nfc))
    }
}
