import DedupCore
import Foundation
import TestSupport
import Testing

@Suite struct PresetDictionaryTests {
    static let seeds: [[UInt8]] = Seeds.names.compactMap { try? Array(Seeds.bytes($0)) }

    @Test func aBodyCompressedWithADictionaryComesBackByteForByteOnlyWithIt() throws {
        let dictionary = PresetDictionary(id: 7, script: .devanagari, bytes: PresetDictionaryTrainer.train(samples: Array(Self.seeds.dropLast())))
        let deflater = try PrimedDeflater(dictionary)
        let article = try #require(Self.seeds.last)
        let compressed = try deflater.compress(article)
        #expect(try ZlibCodec.decompress(compressed, rawSize: article.count, dictionary: dictionary.bytes) == article)
        // Twice from one primed stream: the copy leaves the primed state as it was.
        #expect(try deflater.compress(article) == compressed)
        // Without its dictionary: an error, never wrong bytes (uncompress reports the dictionary
        // it needs as Z_DATA_ERROR, -3).
        let missing = #expect(throws: CodecError.self) { try ZlibCodec.decompress(compressed, rawSize: article.count) }
        #expect(missing?.zlibCode == -3)
        #expect(throws: CodecError.self) {
            try ZlibCodec.decompress(compressed, rawSize: article.count, dictionary: Array(dictionary.bytes.dropFirst()))
        }
        // Plain bodies still decompress through the dictionary path's fallback.
        let plain = try ZlibCodec.compress(article)
        #expect(try ZlibCodec.decompress(plain, rawSize: article.count, dictionary: nil) == article)
        #expect(try deflater.compress([]).isEmpty == false)
        #expect(try ZlibCodec.decompress(try deflater.compress([]), rawSize: 0, dictionary: dictionary.bytes) == [])
    }

    @Test func theTrainerKeepsTheNewestWholeSamplesNewestLast() {
        let samples: [[UInt8]] = [Array("oldest ".utf8), Array("middle ".utf8), Array("newest".utf8), Array("middle ".utf8)]
        // An exact copy adds nothing: the second "middle " is taken once, as the newest.
        #expect(String(decoding: PresetDictionaryTrainer.train(samples: samples), as: UTF8.self) == "oldest newestmiddle ")
        #expect(String(decoding: PresetDictionaryTrainer.train(samples: samples, size: 10), as: UTF8.self) == "estmiddle ")
        #expect(PresetDictionaryTrainer.train(samples: []).isEmpty)
    }

    @Test(arguments: [
        ("नई दिल्ली: सरकार ने आज घोषणा की", WritingScript.devanagari),
        ("ঢাকা, ৩ মার্চ: সরকার আজ ঘোষণা করেছে", .bengali),
        ("Москва, 3 марта. Правительство объявило", .cyrillic),
        ("أعلنت الحكومة اليوم في القاهرة", .arabic),
        ("Hükümet bugün Ankara'da açıkladı", .latin),
        ("The government announced today", .latin),
        ("政府今天在北京宣布了新的政策", .han),
        ("政府は今日、東京で新しい政策を発表しました", .japanese),
        ("정부는 오늘 서울에서 발표했다", .hangul),
        ("1234 — 5678 !!", .other),
        ("", .other),
    ])
    func theDominantScriptOfAText(text: String, script: WritingScript) {
        #expect(WritingScript.dominant(in: text) == script)
    }

    /// A duplicate's delta: zlib with its original's bytes as the preset dictionary. The stream
    /// names the dictionary by its Adler-32 (RFC 1950: FDICT set, DICTID after the header), a
    /// one-word edit of a 4 KB text costs a few dozen bytes, and only the original opens it.
    @Test func aDeltaAgainstTheOriginalIsSmallAndNamesItsDictionary() throws {
        let header = try ZlibCodec.compress(Array("abd".utf8), dictionary: Array("abc".utf8))
        #expect(Array(header.prefix(6)) == [0x78, 0xBB, 0x02, 0x4D, 0x01, 0x27], "CMF, FLG with FDICT, adler32(\"abc\")")
        let original = Array(String(repeating: "समाचार एजेंसी के अनुसार बैठक में नए नियमों पर चर्चा हुई। ", count: 20).utf8)
        var edited = original
        edited.replaceSubrange(100..<109, with: Array("बदलाव".utf8))
        let delta = try ZlibCodec.compress(edited, dictionary: original)
        #expect(delta.count < 60, "\(delta.count) bytes for a \(edited.count)-byte edit")
        #expect(try ZlibCodec.decompress(delta, rawSize: edited.count, dictionary: original) == edited)
        #expect(throws: CodecError.self) { try ZlibCodec.decompress(delta, rawSize: edited.count) }
        #expect(throws: CodecError.self) { try ZlibCodec.decompress(delta, rawSize: edited.count, dictionary: edited) }
    }
}
