import DedupCore
import Foundation
import TestSupport

/// `newsdedup-bench quality --heavy` (issue 15): the evaluation set with the heavy edits of
/// syndication (a new top, site chrome, deep cuts, updates, digits), the hard negatives they
/// make likely (shared chrome, one wire lede, template reports), and on the same texts the
/// MinHash-LSH baseline a user could write in an afternoon and the PyPI `simhash` package.
enum HeavyQualityBenchmark {
    static func run(explore: Bool = false) throws {
        let (documents, boilerplate) = try EvalCorpus.load()
        let items = EvalSet.build(documents: documents, boilerplate: boilerplate, heavy: true)
        let k = NearDuplicateThreshold.defaultMaxDistance
        print("# Near-duplicate quality: heavy edits\n")
        print("\(documents.count) documents, \(items.count) texts (with the heavy edits, the chrome-wrapped and "
            + "wire-lede copies, and \(items.filter { $0.topic.hasPrefix("template/") }.count) template reports).\n")
        let judge = try PairJudge(texts: items.map(\.text))
        let ours = QualityReport(items: items, distance: judge.distance)

        var rows: [(String, QualityReport, Int)] = [("newsdedup (fingerprint \(Fingerprinter.algorithmVersion)), K = \(k)", ours, k)]
        if let pairs = try minhashPairs(items) {
            let report = QualityReport(items: items) { i, j in pairs.contains(i < j ? i << 32 | j : j << 32 | i) ? 0 : 99 }
            rows.append(("MinHash-LSH (datasketch, word 3-grams, 128 perm, 0.5, Jaccard >= 0.5)", report, 0))
        } else {
            print("MinHash-LSH: skipped (pip install datasketch)\n")
        }
        if let python = try QualityBenchmark.pythonFingerprints(items) {
            rows.append(("PyPI simhash 2.1.2, K = \(k)", QualityReport(items: items, simhashes: python), k))
        }
        if explore { try CandidateExploration.run(items: items, judge: judge, rows: &rows) }

        print("Recall (positives) or share judged duplicates (hard negatives), by slice:\n")
        print("| slice | pairs | " + rows.map(\.0).joined(separator: " | ") + " |")
        print("|---|---|" + rows.map { _ in "---|" }.joined())
        let slices = ["all"] + EvalCorpus.languages.map { "script \($0)" } + EditKind.allCases.map { "edit \($0.rawValue)" }
        for slice in slices {
            let counts = ours[slice]
            guard counts.positives > 0 else { continue }
            print("| \(slice) | \(counts.positives) | " + rows.map { QualityBenchmark.f($0.1[slice].recall($0.2)) }.joined(separator: " | ") + " |")
        }
        print("| precision, all | \(ours["all"].negatives) | " + rows.map { QualityBenchmark.f($0.1["all"].precision($0.2)) }.joined(separator: " | ") + " |")
        for slice in ["hard same topic", "hard shared boilerplate", "hard shared opening", "hard shared chrome", "hard wire lede",
                      "hard template report"] {
            let negatives = ours[slice].negatives
            guard negatives > 0 else { continue }
            print("| \(slice) (false) | \(negatives) | " + rows.map { row in
                let share = Double(row.1[slice].falsePositives[row.2]) / Double(negatives)
                return "\(row.1[slice].falsePositives[row.2]) (\(String(format: "%.2f", share * 100)) %)"
            }.joined(separator: " | ") + " |")
        }
        print()
    }

    /// The pairs the MinHash-LSH script judges duplicates, as (i << 32 | j) with i < j.
    static func minhashPairs(_ items: [EvalItem]) throws -> Set<Int>? {
        guard let text = try QualityBenchmark.runPython("minhash_baseline.py", on: items) else { return nil }
        var pairs = Set<Int>()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let i = Int(parts[0]), let j = Int(parts[1]) else { continue }
            pairs.insert(min(i, j) << 32 | max(i, j))
        }
        return pairs
    }
}
