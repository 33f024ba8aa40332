@testable import DedupCore
import Foundation
import TestSupport
import Testing

/// The fast path (ScalarTable, scalar by scalar) must give exactly the tokens of the slow path
/// (Foundation's NFKC and lower-casing per word) on every input. Compared as UTF-8 bytes:
/// Swift's `==` on strings is canonical equivalence, which would hide a wrong mark order, while
/// the fingerprint hashes the bytes.
@Suite struct FastPathTests {
    func bytes(_ tokens: [String]) -> [[UInt8]] { tokens.map { Array($0.utf8) } }

    @Test func realTextAndEveryEditGiveTheSameTokens() throws {
        let (documents, boilerplate) = try EvalCorpus.load()
        let items = EvalSet.build(documents: Array(documents.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)),
                                  boilerplate: boilerplate)
        var texts = items.map(\.text) + (try Seeds.names.map { try Seeds.text($0) })
        texts += ScriptSamples.texts.values
        for text in texts {
            let fast = bytes(Normalizer.tokens(of: text))
            let slow = bytes(Normalizer.referenceTokens(of: text))
            #expect(fast == slow, "\(String(text.prefix(80)))")
            if fast != slow { return }
        }
    }

    /// Short strings built from the scalars where one-at-a-time folding could go wrong:
    /// composition pairs (nukta, Bengali and Kannada vowel signs, Hangul jamo), combining marks
    /// in and out of canonical order, precomposed letters, compatibility forms, the Turkish,
    /// German and Greek folds, zero-width characters — mixed with random BMP scalars.
    @Test(arguments: [
        "\u{09C7}\u{09BE}", "\u{09C7}\u{09D7}", "\u{0B47}\u{0B3E}", "\u{0CC6}\u{0CC2}", "\u{0CCA}\u{0CD5}",
        "\u{0BC6}\u{0BBE}", "\u{0D46}\u{0D3E}", "\u{0DD9}\u{0DCF}", "\u{1100}\u{1161}", "\u{AC00}\u{11A8}",
        "\u{0628}\u{0651}\u{064E}", "\u{0628}\u{064E}\u{0651}", "\u{05D1}\u{05BC}\u{05B0}", "\u{05D1}\u{05B0}\u{05BC}",
        "\u{0915}\u{094D}\u{0937}", "\u{0928}\u{093C}", "\u{0915}\u{093C}", "\u{0958}", "\u{0E01}\u{0E49}\u{0E38}",
        "\u{0130}STANBUL", "ı\u{0307}", "i\u{0307}", "STRAẞE", "ΟΔΟΣ ΟΔΟΣ.", "ﬁnance", "Ｆｕｌｌ", "\u{304B}\u{3099}",
    ])
    func knownHardCases(text: String) {
        #expect(bytes(Normalizer.tokens(of: text)) == bytes(Normalizer.referenceTokens(of: text)))
    }

    @Test func trickyScalarsInRandomOrderGiveTheSameTokens() {
        let tricky: [UInt32] = [
            0x0307, 0x0130, 0x0131, 0x0049, 0x0069, 0x00DF, 0x1E9E, 0x03A3, 0x03C3, 0x03C2, 0x0391,
            0x0915, 0x0928, 0x0930, 0x0933, 0x093C, 0x094D, 0x093F, 0x0958, 0x0929, 0x0951,
            0x09C7, 0x09BE, 0x09D7, 0x09CB, 0x09BC, 0x09A1, 0x09DC, 0x0B47, 0x0B3E, 0x0B56,
            0x0CC6, 0x0CC2, 0x0CD5, 0x0CCA, 0x0BC6, 0x0BBE, 0x0BD7, 0x0D46, 0x0D3E, 0x0DD9, 0x0DCF,
            0x1100, 0x1161, 0x11A8, 0xAC00, 0xAC01, 0x3131,
            0x0065, 0x00E9, 0x00EA, 0x0301, 0x0323, 0x0302, 0x0316, 0x1EB9, 0x1EBF, 0x0041, 0x030A, 0x212B,
            0xFB01, 0xFF21, 0xFF41, 0x2460, 0x3099, 0x304B, 0x304C, 0x30AB, 0x309A, 0x4E00, 0x0E01, 0x0E31,
            0x200D, 0x200C, 0x00AD, 0x0020, 0x002D, 0x0964, 0x0627, 0x0653, 0x0622, 0x0654, 0x0648, 0x0624,
            0x0410, 0x0430, 0x0419, 0x0306, 0x0438, 0x1F00, 0x0345, 0x1FB3, 0x05D0, 0x05B7, 0xFB2E,
            // Marks of non-zero class that are not composition seconds: order matters to NFKC.
            0x064B, 0x064E, 0x0650, 0x0651, 0x0652, 0x05B0, 0x05B4, 0x05BC, 0x0952, 0x0E38, 0x0E48, 0x0E49,
        ]
        var rng = SeededGenerator(seed: 0xFA57)
        for _ in 0..<30_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let value = Int.random(in: 0..<4, using: &rng) == 0
                    ? UInt32.random(in: 0x80..<0x10000, using: &rng) : tricky.randomElement(using: &rng)!
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            let text = String(scalars)
            let fast = bytes(Normalizer.tokens(of: text))
            let slow = bytes(Normalizer.referenceTokens(of: text))
            #expect(fast == slow, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            if fast != slow { return }
        }
    }
}
