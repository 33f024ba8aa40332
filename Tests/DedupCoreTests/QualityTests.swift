import DedupCore
import TestSupport
import Testing

/// Issue 5's and issue 15's targets, held on the evaluation set (Benchmarks/Quality/corpus, the
/// light and heavy edits of `Republisher`, the hard negatives and the template reports) at the
/// default threshold: `scripts/bench.sh quality [--heavy]` prints the full tables.
@Suite struct QualityTests {
    @Test func defaultThresholdMeetsTheTargetsOnTheEvaluationSet() throws {
        let (documents, boilerplate) = try EvalCorpus.load()
        #expect(Set(documents.map(\.language)) == Set(EvalCorpus.languages))
        let items = EvalSet.build(documents: documents, boilerplate: boilerplate, heavy: true)
        let judge = try PairJudge(texts: items.map(\.text))
        let k = NearDuplicateThreshold.defaultMaxDistance
        let report = QualityReport(items: items, falseAt: k, distance: judge.distance)
        let wronglyMerged = report.falsePairs.map { pair in
            [pair.0, pair.1].map { "\(documents.indices.contains(items[$0].group) ? documents[items[$0].group].id : items[$0].topic) \(items[$0].role)" }
                .joined(separator: " ~ ") + String(format: " (containment %.2f)", judge.containment(pair.0, pair.1))
        }

        let all = report["all"]
        #expect(all.positives > 3_000)
        #expect(all.precision(k) >= 0.995, "precision \(all.precision(k))")
        #expect(all.recall(k) >= 0.95, "recall \(all.recall(k))")
        for language in EvalCorpus.languages {
            #expect(report["script \(language)"].positives > 0, "\(language): no pairs")
            let recall = report["script \(language)"].recall(k)
            #expect(recall >= 0.90, "\(language): recall \(recall)")
        }
        for kind in EditKind.allCases {
            let slice = report["edit \(kind.rawValue)"]
            let target = EditKind.light.contains(kind) ? 0.99 : 0.85
            #expect(slice.positives > 0, "\(kind.rawValue): no pairs (a renamed slice must not pass silently)")
            #expect(slice.recall(k) >= target, "\(kind.rawValue): recall \(slice.recall(k))")
        }
        for slice in ["hard same topic", "hard shared boilerplate", "hard shared opening"] {
            #expect(report[slice].negatives > 0)
            #expect(report[slice].falsePositives[k] == 0, "\(slice): false duplicates: \(wronglyMerged)")
        }
        // At most 1 % of each heavy hard-negative kind judged a duplicate.
        for slice in ["hard shared chrome", "hard wire lede", "hard template report"] {
            let negatives = report[slice].negatives
            #expect(negatives > 0, "\(slice): no pairs")
            #expect(report[slice].falsePositives[k] * 100 <= negatives, "\(slice): \(report[slice].falsePositives[k]) of \(negatives)")
        }

        // The pair rule above is the daemon's: check it against Verdict.decide on every
        // original and each of its variants.
        for (j, item) in items.enumerated() where item.role != .original {
            guard let i = items.firstIndex(where: { $0.group == item.group && $0.role == .original }) else { continue }
            let duplicate = judge.verdict(stored: i, incoming: j, maxDistance: k) != .unique
            #expect(duplicate == (judge.distance(i, j) <= k), "\(documents[item.group].id) \(item.role)")
        }
    }
}
