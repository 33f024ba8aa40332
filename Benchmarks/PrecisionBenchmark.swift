import DedupCore
import Foundation
import TestSupport

/// `newsdedup-bench precision [N]` (issue 15): precision where the index holds N articles
/// (default 100 M). At that size a random 64-bit SimHash falls within K = 7 bits of some
/// stored one with probability about N × 3.8·10⁻¹¹ (0.4 %), and a random 32-bit anchor key
/// matches one of the 4·N stored keys with probability about 4·N / 2³² per key: chance
/// candidates that only the containment confirmation keeps out.
///
/// The simulation: N random fingerprints and anchor sets in the real in-memory index, then
/// queries with fresh random ones. Every chance candidate a query gets is paired with two
/// real texts that are not copies of each other — different documents of one language from
/// the evaluation corpus, or two template reports (the same sentence frame, other names and
/// numbers: the closest unrelated texts there are) — and confirmed as the daemon confirms
/// it: an anchor candidate only within `NearDuplicateThreshold.maxPartDistance` bits, then by
/// shingle containment ≥ 0.8. A chance candidate that passes would be a false duplicate.
enum PrecisionBenchmark {
    static func run(arguments: [String]) throws {
        let size = arguments.first.flatMap { Int($0) } ?? 100_000_000
        let queries = 200_000
        let (documents, boilerplate) = try EvalCorpus.load()
        let texts = EvalSet.build(documents: documents, boilerplate: boilerplate, heavy: true).filter { $0.role == .original }
        let judge = try PairJudge(texts: texts.map(\.text))
        var byLanguage: [String: [Int]] = [:]
        for (i, text) in texts.enumerated() { byLanguage[text.language, default: []].append(i) }
        let languages = byLanguage.keys.sorted()

        var rng = SeededGenerator(seed: 0x9EC1)
        var index = NearDuplicateIndex()
        let loadStart = ContinuousClock.now
        for id in 1...Int64(size) {
            index.load(id: id, simhash: rng.next(), anchors: (0..<Anchors.count).map { _ in UInt32(truncatingIfNeeded: rng.next()) })
        }
        index.rebuild()
        let loadSeconds = Benchmark.seconds(since: loadStart)

        let k = NearDuplicateThreshold.defaultMaxDistance
        var bySimHash = 0, byAnchor = 0, anchorWithinBound = 0, confirmed = 0, confirmedTemplates = 0, highest = 0.0
        var templatePairs = 0
        for _ in 0..<queries {
            let simhash = rng.next()
            let anchors = (0..<Anchors.count).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
            let whole = index.candidates(simhash: simhash, maxDistance: k).count
            let found = index.partCandidates(anchors: anchors)
            let parts = found.filter { SimHash.distance($0.simhash, simhash) <= NearDuplicateThreshold.maxPartDistance }.count
            bySimHash += whole
            byAnchor += found.count
            anchorWithinBound += parts
            for _ in 0..<(whole + parts) {  // what the daemon would confirm
                // Two texts of one language that are not copies of each other.
                let pool = byLanguage[languages[Int(rng.next() % UInt64(languages.count))]]!
                var (i, j) = (0, 0)
                repeat {
                    (i, j) = (pool[Int(rng.next() % UInt64(pool.count))], pool[Int(rng.next() % UInt64(pool.count))])
                } while texts[i].group == texts[j].group
                let oneFrame = texts[i].topic.hasPrefix("template/") && texts[i].topic == texts[j].topic
                if oneFrame { templatePairs += 1 }
                let containment = judge.containment(i, j)
                highest = max(highest, containment)
                if containment >= NearDuplicateThreshold.minimumContainment {
                    confirmed += 1
                    if oneFrame { confirmedTemplates += 1 }
                }
            }
        }
        print("# Precision at scale: chance candidates and their confirmation\n")
        print(String(format: "%@ random fingerprints and anchor sets in the in-memory index (built in %.0f s, %.0f bytes an article); "
                     + "%@ queries with fresh random ones; each chance candidate confirmed against a pair of unrelated real texts "
                     + "(%d texts: %d documents and %d template reports).\n",
                     size.formatted(), loadSeconds, Double(index.byteCount) / Double(size), queries.formatted(),
                     texts.count, documents.count, texts.count - documents.count))
        print("| chance candidates per query: SimHash within \(k) | shared anchor | shared anchor within "
              + "\(NearDuplicateThreshold.maxPartDistance) bits (confirmed) | of the confirmed, passed containment >= "
              + "\(NearDuplicateThreshold.minimumContainment) (of one template frame) | highest containment seen | pairs drawn from one template frame |")
        print("|---|---|---|---|---|---|")
        print(String(format: "| %.5f (%d) | %.5f (%d) | %.5f (%d) | %d (%d) | %.3f | %d |",
                     Double(bySimHash) / Double(queries), bySimHash, Double(byAnchor) / Double(queries), byAnchor,
                     Double(anchorWithinBound) / Double(queries), anchorWithinBound, confirmed, confirmedTemplates, highest, templatePairs))
        // What one confirmation costs: a stored text decompressed, decoded and analysed.
        let bodies = try texts.map { try ZlibCodec.compress(Array($0.text.utf8)) }
        let sizes = texts.map { $0.text.utf8.count }
        let start = ContinuousClock.now
        for (body, size) in zip(bodies, sizes) {
            var noCache: NormalizationCache? = nil
            _ = try Fingerprinter().analyze(TextDecoder.decode(ZlibCodec.decompress(body, rawSize: size)).text, cache: &noCache)
        }
        print(String(format: "\nOne confirmation (decompress, decode, analyse a stored text; %d texts of %.1f KB on average): %.3f ms.",
                     texts.count, Double(sizes.reduce(0, +)) / Double(texts.count) / 1000,
                     Benchmark.seconds(since: start) * 1000 / Double(texts.count)))
        print()
    }
}
