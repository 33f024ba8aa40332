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
}
