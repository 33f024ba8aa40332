import DedupCore
import Foundation
import TestSupport

/// `scripts/bench.sh quality`: precision, recall and F1 of the near-duplicate verdict on the
/// evaluation set (Benchmarks/Quality/corpus plus the edits of `Republisher`), per script and
/// per edit kind, at every threshold 0-12; then the PyPI `simhash` package on the same texts.
/// Prints Markdown tables, the ones the README shows.
enum QualityBenchmark {
    static func run(arguments: [String]) throws {
        if arguments.contains("--heavy") { return try HeavyQualityBenchmark.run(explore: arguments.contains("--explore")) }
        let (documents, boilerplate) = try EvalCorpus.load()
        let items = EvalSet.build(documents: documents, boilerplate: boilerplate)
        let fingerprinter = Fingerprinter()
        let defaultK = NearDuplicateThreshold.defaultMaxDistance
        print("# Near-duplicate quality\n")
        print("\(documents.count) original documents in \(Set(documents.map(\.language)).count) languages, "
            + "\(items.count) texts with the edited and boilerplated copies.\n")

        let judge = try PairJudge(texts: items.map(\.text), fingerprinter: fingerprinter)
        let report = QualityReport(items: items, distance: judge.distance)
        let all = report["all"]
        print("Pairs: \(all.positives) positive (an original and its edited copy), \(all.negatives) negative "
            + "(different stories), of which \(report["hard same topic"].negatives) share a topic, "
            + "\(report["hard shared boilerplate"].negatives) end with the same boilerplate block and "
            + "\(report["hard shared opening"].negatives) open with it.\n")
        print("A pair is a candidate at K when its whole-text SimHashes are within K bits, its lead SimHashes are equal, "
            + "or it shares an anchor within \(NearDuplicateThreshold.maxPartDistance) bits; a candidate is a duplicate when at "
            + "least \(Int(NearDuplicateThreshold.minimumContainment * 100)) % of the shorter text's shingles are in the other "
            + "(what the daemon does).\n")

        print("## newsdedup (fingerprint algorithm \(Fingerprinter.algorithmVersion)): all pairs, by threshold\n")
        print("| K | precision | recall | F1 | false duplicates | of them same topic | shared boilerplate | shared opening |")
        print("|---|---|---|---|---|---|---|---|")
        for k in QualityReport.thresholds {
            print("| \(k)\(k == defaultK ? " (default)" : "") | \(f(all.precision(k))) | \(f(all.recall(k))) | \(f(all.f1(k))) "
                + "| \(all.falsePositives[k]) | \(report["hard same topic"].falsePositives[k]) "
                + "| \(report["hard shared boilerplate"].falsePositives[k]) | \(report["hard shared opening"].falsePositives[k]) |")
        }
        print()
        table("Recall by slice and threshold", report) { $0.recall($1) }
        table("Precision by slice and threshold", report) { $0.precision($1) }
        sliceSummary(report, at: defaultK, title: "newsdedup at the default K = \(defaultK)")

        if let python = try pythonFingerprints(items) {
            let theirs = QualityReport(items: items, simhashes: python)
            let best = QualityReport.thresholds.max { theirs["all"].f1($0) < theirs["all"].f1($1) }!
            comparison(ours: report, theirs: theirs, k: defaultK, best: best)
            sliceSummary(theirs, at: best, title: "Python `simhash` 2.1.2 (defaults) at its best threshold, K = \(best)")
            sliceSummary(theirs, at: defaultK, title: "Python `simhash` 2.1.2 (defaults) at K = \(defaultK)")
        } else {
            print("Python simhash: skipped (pip install simhash)\n")
        }

        if arguments.contains("--explore") {
            print("## Alternatives, each at its best threshold and at K = \(defaultK)\n")
            print("| fingerprint | best K | precision | recall | F1 | worst script recall | hard-negative false duplicates | recall at \(defaultK) | precision at \(defaultK) |")
            print("|---|---|---|---|---|---|---|---|---|")
            for size in 1...4 {
                let report = QualityReport(items: items, simhashes: try fingerprints(items, Fingerprinter(shingleSize: size)))
                exploreRow("whole text only, word \(size)-grams", report, k: defaultK)
            }
            for lead in [64, 128, 300] {
                let judge = try PairJudge(texts: items.map(\.text), fingerprinter: Fingerprinter(leadTokens: lead))
                exploreRow("word 2-grams + equal lead of \(lead) tokens confirmed", QualityReport(items: items, distance: judge.distance), k: defaultK)
            }
            // Leads within K rather than equal (the rule before the lead left the in-memory index).
            let withinK = QualityReport(items: items) { i, j in
                let whole = SimHash.distance(judge.fingerprints[i].simhash, judge.fingerprints[j].simhash)
                let lead = SimHash.distance(judge.fingerprints[i].leadSimhash, judge.fingerprints[j].leadSimhash)
                guard lead < whole, judge.shingles[i].containment(judge.shingles[j]) >= NearDuplicateThreshold.minimumContainment
                else { return whole }
                return lead
            }
            exploreRow("word 2-grams + lead of 128 tokens within K confirmed", withinK, k: defaultK)
            let unconfirmed = try PairJudge(texts: items.map(\.text))
            let leadAlone = QualityReport(items: items) { i, j in
                min(SimHash.distance(unconfirmed.fingerprints[i].simhash, unconfirmed.fingerprints[j].simhash),
                    SimHash.distance(unconfirmed.fingerprints[i].leadSimhash, unconfirmed.fingerprints[j].leadSimhash))
            }
            exploreRow("word 2-grams + lead of 128 tokens, not confirmed", leadAlone, k: defaultK)
        }
    }

    /// The README's table: newsdedup at its default against the Python package at the same K and
    /// at the package's own best K, precision / recall per slice.
    static func comparison(ours: QualityReport, theirs: QualityReport, k: Int, best: Int) {
        print("## newsdedup against Python `simhash` 2.1.2, precision / recall\n")
        print("| slice | newsdedup, K = \(k) | `simhash`, K = \(k) | `simhash`, K = \(best) (its best F1) |")
        print("|---|---|---|---|")
        for name in QualityReport.sliceNames {
            func cell(_ r: QualityReport, _ k: Int) -> String {
                let c = r[name]
                return c.positives == 0 ? "\(c.falsePositives[k]) false of \(c.negatives)" : "\(f(c.precision(k))) / \(f(c.recall(k)))"
            }
            print("| \(name) | \(cell(ours, k)) | \(cell(theirs, k)) | \(cell(theirs, best)) |")
        }
        print()
    }

    static func fingerprints(_ items: [EvalItem], _ fingerprinter: Fingerprinter) throws -> [UInt64] {
        var cache: NormalizationCache? = NormalizationCache()
        return try items.map { try fingerprinter.fingerprint(of: $0.text, cache: &cache).simhash }
    }

    static func exploreRow(_ name: String, _ report: QualityReport, k: Int) {
        let all = report["all"]
        let best = QualityReport.thresholds.max { all.f1($0) < all.f1($1) }!
        let worst = EvalCorpus.languages.map { report["script \($0)"].recall(best) }.min() ?? 0
        let hard = ["hard same topic", "hard shared boilerplate", "hard shared opening"].map { report[$0].falsePositives[best] }.reduce(0, +)
        print("| \(name) | \(best) | \(f(all.precision(best))) | \(f(all.recall(best))) | \(f(all.f1(best))) "
            + "| \(f(worst)) | \(hard) | \(f(all.recall(k))) | \(f(all.precision(k))) |")
    }

    /// One row per slice, one column per threshold.
    static func table(_ title: String, _ report: QualityReport, _ value: (QualityReport.Counts, Int) -> Double) {
        print("### \(title)\n")
        print("| slice | " + QualityReport.thresholds.map(String.init).joined(separator: " | ") + " |")
        print("|---|" + String(repeating: "---|", count: QualityReport.thresholds.count))
        for name in QualityReport.sliceNames {
            let counts = report[name]
            guard counts.positives + counts.negatives > 0 else { continue }  // a slice this set does not have
            print("| \(name) | " + QualityReport.thresholds.map { f(value(counts, $0)) }.joined(separator: " | ") + " |")
        }
        print()
    }

    /// Precision, recall, F1 and the distance gap per slice at one threshold.
    static func sliceSummary(_ report: QualityReport, at k: Int, title: String) {
        print("### \(title)\n")
        print("| slice | precision | recall | F1 | positives | farthest positive | closest negative | false duplicates |")
        print("|---|---|---|---|---|---|---|---|")
        for name in QualityReport.sliceNames {
            let c = report[name]
            guard c.positives + c.negatives > 0 else { continue }
            let closest = c.closestNegative == Int.max ? "-" : String(c.closestNegative)
            print("| \(name) | \(f(c.precision(k))) | \(f(c.recall(k))) | \(f(c.f1(k))) | \(c.positives) "
                + "| \(c.positives == 0 ? "-" : String(c.farthestPositive)) | \(closest) | \(c.falsePositives[k]) |")
        }
        print()
    }

    static func f(_ value: Double) -> String { String(format: "%.3f", value) }

    /// The PyPI package's fingerprints of the same texts, or nil when it is not installed.
    static func pythonFingerprints(_ items: [EvalItem]) throws -> [UInt64]? {
        guard let text = try runPython("python_simhash_fingerprints.py", on: items) else { return nil }
        var values = [UInt64](repeating: 0, count: items.count)
        var seen = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let index = Int(parts[0]), let value = UInt64(parts[1], radix: 16), index < items.count else { continue }
            values[index] = value
            seen += 1
        }
        return seen == items.count ? values : nil
    }

    /// Writes the texts as NNNNNN.txt into a temporary folder, runs scripts/SCRIPT on it and
    /// returns its output; nil when it failed (its package not installed).
    static func runPython(_ script: String, on items: [EvalItem]) throws -> String? {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/\(script)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nd-quality-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (index, item) in items.enumerated() {
            try Data(item.text.utf8).write(to: folder.appendingPathComponent(String(format: "%06d.txt", index)))
        }
        let out = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path.path, folder.path]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? text : nil
    }
}
