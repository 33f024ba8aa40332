import DedupCore
import Foundation
import TestSupport

/// `newsdedup-bench dictionaries`: what a preset dictionary per script buys on the evaluation
/// corpus cut to news-sized articles of 1-5 KB (at line ends), and what priming costs. Per
/// language, the articles are shuffled (seeded); a dictionary per script is trained on the first
/// third, and the other two thirds are compressed at level 6 without and with it. Speed: every
/// measured article compressed plainly and through its script's `PrimedDeflater`, best of five.
enum DictionaryBenchmark {
    static func run() throws {
        var rng = SeededGenerator(seed: 18)
        var training: [WritingScript: [[UInt8]]] = [:]
        var measured: [(language: String, script: WritingScript, bytes: [UInt8])] = []
        let corpus = try EvaluationCorpus.newsSized(&rng)
        let languages = corpus.map(\.language)
        for (language, pieces) in corpus {
            let cut = pieces.count / 3
            for piece in pieces[..<cut] { training[script(piece), default: []].append(piece) }
            for piece in pieces[cut...] { measured.append((language, script(piece), piece)) }
        }
        var trained: [WritingScript: PresetDictionary] = [:]
        for (index, entry) in training.sorted(by: { $0.key.rawValue < $1.key.rawValue }).enumerated() {
            trained[entry.key] = PresetDictionary(id: Int64(index + 1), script: entry.key, bytes: PresetDictionaryTrainer.train(samples: entry.value))
        }
        let dictionaries = try trained.mapValues { try PrimedDeflater($0) }

        print("language  script  articles  raw bytes  zlib-6 × raw  with dictionary × raw  × zlib-6")
        var totals = (raw: 0, plain: 0, primed: 0)
        for language in languages {
            let items = measured.filter { $0.language == language }
            var raw = 0, plain = 0, primed = 0
            for item in items {
                raw += item.bytes.count
                plain += try ZlibCodec.compress(item.bytes).count
                primed += try (dictionaries[item.script]?.compress(item.bytes) ?? ZlibCodec.compress(item.bytes)).count
            }
            totals = (totals.raw + raw, totals.plain + plain, totals.primed + primed)
            let script = items.first?.script.rawValue ?? "-"
            print(language.padding(toLength: 10, withPad: " ", startingAt: 0) + script.padding(toLength: 8, withPad: " ", startingAt: 0)
                  + String(format: "%8d  %9d  %12.3f  %21.3f  %8.3f", items.count, raw, Double(plain) / Double(raw),
                           Double(primed) / Double(raw), Double(primed) / Double(plain)))
        }
        print(String(format: "all               %8d  %9d  %12.3f  %21.3f  %8.3f", measured.count, totals.raw,
                     Double(totals.plain) / Double(totals.raw), Double(totals.primed) / Double(totals.raw),
                     Double(totals.primed) / Double(totals.plain)))

        func best(_ body: () throws -> Void) rethrows -> Double {
            var best = Double.infinity
            for _ in 0..<5 {
                let start = ContinuousClock.now
                try body()
                let elapsed = ContinuousClock.now - start
                best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            return best
        }
        let plainSeconds = try best { for item in measured { _ = try ZlibCodec.compress(item.bytes) } }
        let mb = Double(totals.raw) / 1e6
        print(String(format: "compress, plain level 6: %.1f MB/s", mb / plainSeconds))
        // The level with a dictionary: the longer hash chains a dictionary brings cost search
        // time at level 6; lower levels search less.
        let searches: [(String, Int32, PrimedDeflater.Search?)] = [
            ("level 6", 6, nil), ("level 5", 5, nil), ("level 4", 4, nil), ("level 3", 3, nil),
            ("level 6, nice 64, chain 32", 6, .init(good: 8, lazy: 16, nice: 64, chain: 32)),
            ("level 6, nice 128, chain 32", 6, .init(good: 8, lazy: 16, nice: 128, chain: 32)),
            ("level 6, nice 32, chain 16", 6, .init(good: 8, lazy: 16, nice: 32, chain: 16)),
            ("level 6, nice 64, chain 16", 6, .init(good: 8, lazy: 16, nice: 64, chain: 16)),
            ("level 6, nice 258, chain 8", 6, .init(good: 8, lazy: 16, nice: 258, chain: 8)),
        ]
        for (label, level, search) in searches {
            let deflaters = try trained.mapValues { try PrimedDeflater($0, level: level, search: search) }
            var size = 0
            for item in measured { size += try (deflaters[item.script]?.compress(item.bytes) ?? ZlibCodec.compress(item.bytes)).count }
            let seconds = try best { for item in measured { _ = try deflaters[item.script]?.compress(item.bytes) } }
            print("with a dictionary, \(label): " + String(format: "%.3f × zlib-6's bytes, %.1f MB/s (%.2f × the time)",
                         Double(size) / Double(totals.plain), mb / seconds, seconds / plainSeconds))
        }
    }

    private static func script(_ bytes: [UInt8]) -> WritingScript {
        WritingScript.dominant(in: String(decoding: bytes, as: UTF8.self))
    }
}

/// The evaluation corpus (Quality/corpus, eight languages of real text) cut into news-sized
/// articles of 1-5 KB at line ends (or at least between characters), shuffled per language.
enum EvaluationCorpus {
    static func newsSized(_ rng: inout SeededGenerator) throws -> [(language: String, pieces: [[UInt8]])] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Quality/corpus")
        let languages = try FileManager.default.contentsOfDirectory(atPath: root.path).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
        return try languages.map { language in
            let directory = root.appendingPathComponent(language)
            var pieces: [[UInt8]] = []
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where name != "boilerplate.txt" {
                let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
                var start = 0
                while start < bytes.count {
                    var end = min(bytes.count, start + Int.random(in: 1024...5120, using: &rng))
                    if end < bytes.count, let newline = bytes[start..<end].lastIndex(of: 0x0A), newline - start > 512 { end = newline + 1 }
                    // Never inside a UTF-8 sequence (a piece cut there is not text: quarantined).
                    while end < bytes.count, end > start, bytes[end] & 0xC0 == 0x80 { end -= 1 }
                    if end - start >= 1024 { pieces.append(Array(bytes[start..<end])) }
                    start = end
                }
            }
            pieces.shuffle(using: &rng)
            return (language, pieces)
        }
    }
}
