import DedupCore
import TestSupport
import Testing

/// Issue 5's targets, held on the evaluation set (Benchmarks/Quality/corpus and the edits of
/// `Republisher`) at the default threshold: `scripts/bench.sh quality` prints the full tables.
@Suite struct QualityTests {
    @Test func defaultThresholdMeetsTheTargetsOnTheEvaluationSet() throws {
        let (documents, boilerplate) = try EvalCorpus.load()
        #expect(Set(documents.map(\.language)) == Set(EvalCorpus.languages))
        let items = EvalSet.build(documents: documents, boilerplate: boilerplate)
        let judge = try PairJudge(texts: items.map(\.text))
        let report = QualityReport(items: items, distance: judge.distance)
        let k = NearDuplicateThreshold.defaultMaxDistance

        let all = report["all"]
        #expect(all.positives > 3_000)
        #expect(all.precision(k) >= 0.99, "precision \(all.precision(k))")
        #expect(all.recall(k) >= 0.95, "recall \(all.recall(k))")
        for language in EvalCorpus.languages {
            let recall = report["script \(language)"].recall(k)
            #expect(recall >= 0.90, "\(language): recall \(recall)")
        }
        for kind in EditKind.light {
            let slice = report["edit \(kind.rawValue)"]
            #expect(slice.positives > 0, "\(kind.rawValue): no pairs (a renamed slice must not pass silently)")
            #expect(slice.recall(k) >= 0.95, "\(kind.rawValue): recall \(slice.recall(k))")
        }
        for slice in ["hard same topic", "hard shared boilerplate", "hard shared opening"] {
            #expect(report[slice].negatives > 0)
            #expect(report[slice].falsePositives[k] == 0, "\(slice): false duplicates")
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
