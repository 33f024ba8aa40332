import DedupCore
import Foundation
import TestSupport
import Testing

@Suite struct FingerprintTests {
    let fingerprinter = Fingerprinter()

    @Test(arguments: ["hindi", "bengali", "turkish", "latin", "cyrillic", "chinese", "japanese"])
    func knownAnswerPerScript(script: String) throws {
        let text = try #require(ScriptSamples.texts[script])
        let answer = try #require(ScriptSamples.answers[script])
        let fingerprint = try fingerprinter.fingerprint(of: text)
        #expect(fingerprint.sha256.hexString == answer.sha256)
        #expect(fingerprint.simhashHex == SimHash.hex(answer.simhash))
        #expect(fingerprint.tokenCount == answer.tokens)
    }

    @Test(arguments: ["hindi", "bengali", "turkish", "latin", "cyrillic", "chinese", "japanese"])
    func nfcAndNFDGiveTheSameFingerprint(script: String) throws {
        let text = try #require(ScriptSamples.texts[script])
        let nfc = try fingerprinter.fingerprint(of: text.precomposedStringWithCanonicalMapping)
        let nfd = try fingerprinter.fingerprint(of: text.decomposedStringWithCanonicalMapping)
        #expect(nfc == nfd)
    }

    @Test func seedsMatchTheReference() throws {
        #expect(Seeds.names.count == 5)
        for name in Seeds.names {
            let answer = try #require(ScriptSamples.seedAnswers[name])
            let fingerprint = try fingerprinter.fingerprint(of: Seeds.text(name))
            #expect(fingerprint.sha256.hexString == answer.sha256, "\(name)")
            #expect(fingerprint.simhash == answer.simhash, "\(name)")
        }
    }

    @Test func seedsAreFiveDistinctStoriesFarApart() throws {
        let prints = try Seeds.names.map { try fingerprinter.fingerprint(of: Seeds.text($0)) }
        #expect(Set(prints.map(\.simhash)).count == 5)
        for i in prints.indices {
            for j in prints.indices where j > i {
                let distance = SimHash.distance(prints[i].simhash, prints[j].simhash)
                #expect(distance > 15, "seeds \(i) and \(j) are \(distance) bits apart")
            }
        }
    }

    @Test func seedWithoutReadAlsoLinesIsANearDuplicate() throws {
        let name = try #require(Seeds.names.first)
        let original = try Seeds.text(name)
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false)
        let stripped = String(decoding: try Seeds.editedFirst(), as: UTF8.self)
        #expect(lines.count - 2 == stripped.split(separator: "\n", omittingEmptySubsequences: false).count)
        let a = try fingerprinter.fingerprint(of: original)
        let b = try fingerprinter.fingerprint(of: stripped)
        #expect(a.sha256 != b.sha256)
        let distance = SimHash.distance(a.simhash, b.simhash)
        #expect(distance >= 1 && distance <= NearDuplicateThreshold.defaultMaxDistance)
    }

    @Test func nfdQuotesAndZeroWidthCopyIsAnExactDuplicate() throws {
        let original = try Seeds.text(Seeds.names[4])
        let edited = original.decomposedStringWithCanonicalMapping
            .replacingOccurrences(of: "\"", with: "“")
            .replacingOccurrences(of: "্", with: "্\u{200C}")
        #expect(try fingerprinter.fingerprint(of: edited) == fingerprinter.fingerprint(of: original))
    }

    @Test func textWithoutWordsHasNoFingerprint() {
        #expect(throws: FingerprintError.noWords) { try fingerprinter.fingerprint(of: " ।॥ … — \n\t ") }
    }

    @Test func shortTextsStillFingerprint() throws {
        let one = try fingerprinter.fingerprint(of: "पुतिन")
        #expect(one.tokenCount == 1)
        #expect(one.simhash != 0)
    }
}

@Suite struct NormalizationCacheTests {
    /// One cache shared across every sample and seed, in NFC and NFD, twice over: the
    /// fingerprints are those computed without it.
    @Test func aSharedCacheNeverChangesAFingerprint() throws {
        let fingerprinter = Fingerprinter()
        var cache: NormalizationCache? = NormalizationCache(capacity: 50)
        var texts = Array(ScriptSamples.texts.values) + (try Seeds.names.map { try Seeds.text($0) })
        texts += texts.map(\.decomposedStringWithCanonicalMapping)
        for _ in 0..<2 {
            for text in texts {
                #expect(try fingerprinter.fingerprint(of: text, cache: &cache) == fingerprinter.fingerprint(of: text))
            }
        }
        #expect((cache?.count ?? 0) <= 50, "bounded")
    }
}
