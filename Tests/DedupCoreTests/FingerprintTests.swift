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
            #expect(fingerprint.leadSimhash == answer.lead, "\(name): lead")
            #expect(fingerprint.tokenCount == answer.tokens, "\(name)")
            #expect(fingerprint.anchors == ScriptSamples.seedAnchors[name], "\(name): anchors")
        }
        #expect(try fingerprinter.fingerprint(of: "Kim meets Putin").anchors == ScriptSamples.shortAnchors)
    }

    /// Markup stripped before tokens, as scripts/reference_fingerprint.py does it independently.
    @Test func markupKnownAnswer() throws {
        let text = "<p><strong>रूस के राष्ट्रपति</strong> <a href=\"https://news.example/1\">व्लादिमीर पुतिन</a> ने "
            + "&quot;उत्तर कोरिया&quot; की यात्रा&nbsp;का &#2344;िमंत्रण स्वीकार किया।</p><!-- x -->"
        let fingerprint = try fingerprinter.fingerprint(of: text)
        #expect(fingerprint.sha256.hexString == "1c665149f6c88df4ba15c3ed7898d31d3d7a717f273bc329158451db851c8eaf")
        #expect(fingerprint.simhash == 0xf815_1035_8199_1e1b)
        #expect(fingerprint.leadSimhash == fingerprint.simhash, "14 tokens: the lead is the whole text")
        #expect(fingerprint.tokenCount == 14)
    }

    @Test func leadCoversTheFirst128TokensOnly() throws {
        let words = (0..<400).map { "शब्द\($0)" }
        let whole = try fingerprinter.fingerprint(of: words.joined(separator: " "))
        let cut = try fingerprinter.fingerprint(of: words.prefix(200).joined(separator: " "))
        let changedAfterLead = try fingerprinter.fingerprint(of: (words.prefix(128) + ["नया"] + words.dropFirst(129)).joined(separator: " "))
        let changedInLead = try fingerprinter.fingerprint(of: (["नया"] + words.dropFirst()).joined(separator: " "))
        #expect(whole.leadSimhash == cut.leadSimhash)
        #expect(whole.leadSimhash == changedAfterLead.leadSimhash)
        #expect(whole.leadSimhash != changedInLead.leadSimhash)
        #expect(whole.simhash != cut.simhash)
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
