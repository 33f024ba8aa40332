public import Foundation

/// Article-like files for load and crash tests: random running text from the seeds' words
/// (Devanagari, Bengali, Turkish), 3-8 KB, reproducible from `seed`.
public struct ArticleFactory {
    var rng: SeededGenerator
    let vocabularies: [[Substring]]

    public init(seed: UInt64) throws {
        rng = SeededGenerator(seed: seed)
        vocabularies = try Seeds.names.map { name in
            let text = String(decoding: try Seeds.bytes(name), as: UTF8.self)
            return text.split(whereSeparator: { $0.isWhitespace || ".,:;!?।॥\"'()".contains($0) })
        }
    }

    /// How many vocabularies there are (one per seed, in seed order: Hindi, Hindi, Hindi,
    /// Turkish, Bengali).
    public var vocabularyCount: Int { vocabularies.count }

    /// An article in a vocabulary picked at random.
    public mutating func article() -> Data {
        article(vocabulary: Int(rng.next() % UInt64(vocabularies.count)))
    }

    /// An article in the words of seed `vocabulary`.
    public mutating func article(vocabulary: Int) -> Data {
        let words = vocabularies[vocabulary]
        let target = 3000 + Int(rng.next() % 5000)
        var text = ""
        while text.utf8.count < target {
            let length = 8 + Int(rng.next() % 12)
            text += (0..<length).map { _ in String(words[Int(rng.next() % UInt64(words.count))]) }.joined(separator: " ") + ".\n"
        }
        return Data(text.utf8)
    }
}
