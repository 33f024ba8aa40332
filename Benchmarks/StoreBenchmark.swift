import ArticleStore
import DedupCore
import Foundation
import GRDB
import TestSupport

/// `newsdedup-bench store [--page-size N]...`: the whole store against the bytes received
/// (issue 18). The evaluation corpus cut to news-sized articles of 1-5 KB, interleaved across
/// languages, with one received item in five a duplicate of an earlier one, as syndication
/// produces: half the same bytes again, half a light edit (a line added on top, the last line
/// cut). The real daemon ingests it (`--once`, release build); then the store is taken apart
/// with `dbstat`, and `show` is timed on every item. Each page size is a fresh store.
enum StoreBenchmark {
    static func run(arguments: [String]) throws {
        var pageSizes: [Int] = []
        var generated: Int?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch (argument, rest.popFirst().flatMap(Int.init)) {
            case ("--page-size", let size?): pageSizes.append(size)
            case ("--generated", let count?): generated = count
            default: throw Benchmark.BenchmarkError.usage("newsdedup-bench store [--page-size BYTES]... [--generated FILES]")
            }
        }
        // --generated: the throughput corpus instead (3-8 KB generated articles, one in ten a
        // near copy), for the per-item figures at a scale where a table's last pages and the
        // dictionaries no longer count.
        let received = try generated.map { try Benchmark.throughputCorpus(files: $0) } ?? corpus()
        let raw = received.map(\.count).reduce(0, +)
        print("store benchmark: \(received.count) files received, \(raw) bytes, "
            + (generated == nil ? "the evaluation corpus, one in five a duplicate (half identical, half a light edit)"
                : "generated articles, one in ten a near copy") + "; release build")
        for pageSize in pageSizes.isEmpty ? [nil] : pageSizes.map(Optional.some) {
            try measure(received, raw: raw, pageSize: pageSize)
        }
    }

    static func corpus() throws -> [Data] {
        var rng = SeededGenerator(seed: 1818)
        let languages = try EvaluationCorpus.newsSized(&rng)
        // Interleaved, as a crawler receives them.
        var originals: [[UInt8]] = []
        for index in 0..<(languages.map(\.pieces.count).max() ?? 0) {
            for language in languages where index < language.pieces.count { originals.append(language.pieces[index]) }
        }
        var received: [Data] = []
        for (index, original) in originals.enumerated() {
            received.append(Data(original))
            guard index % 4 == 3 else { continue }
            let earlier = originals[Int.random(in: max(0, index - 200)...index, using: &rng)]
            if received.count % 2 == 0 {
                received.append(Data(earlier))
            } else {
                var lines = earlier.split(separator: 0x0A, omittingEmptySubsequences: false)
                if lines.count > 3 { lines.removeLast(2) }
                received.append(Data(Array("Updated 12:40 UTC.\n".utf8) + Array(lines.joined(separator: [0x0A])) + [0x0A]))
            }
        }
        return received
    }

    /// `pageSize` nil: the store's own default.
    static func measure(_ received: [Data], raw: Int, pageSize: Int?) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nd-store-bench-\(getpid())-\(pageSize ?? 0)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let path = root.appendingPathComponent("store.sqlite").path
        if let pageSize {
            // The page size is fixed when the file is first written: set it on an empty file.
            let queue = try DatabaseQueue(path: path)
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA page_size = \(pageSize)")
                try db.execute(sql: "VACUUM")
            }
            try queue.close()
        }
        let (seconds, _) = try Benchmark.endToEnd(received, in: root)
        let file = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        // The same store rewritten compactly: what the layout costs without the holes left in
        // pages by rows that shrank (bodies compressed again after a dictionary).
        let compact = root.appendingPathComponent("compact.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [compact]) }
        let compactFile = (try FileManager.default.attributesOfItem(atPath: compact)[.size] as? Int) ?? 0
        let actualPageSize = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? 0

        let (objects, rows, quarantined) = try queue.read { db in
            let objects = try Row.fetchAll(db, sql: """
                SELECT name, COUNT(*), SUM(pgsize), SUM(payload), SUM(unused) FROM dbstat GROUP BY name ORDER BY SUM(pgsize) DESC
                """).map { (name: $0[0] as String, pages: $0[1] as Int, bytes: $0[2] as Int, payload: $0[3] as Int, unused: $0[4] as Int) }
            let rows = try Row.fetchAll(db, sql: """
                SELECT item.id, item.original_id IS NULL, item.kind, item.raw_size, length(body.bytes), item.base_id IS NOT NULL
                FROM item LEFT JOIN body ON body.item_id = item.id ORDER BY item.id
                """).map { (id: $0[0] as Int64, article: $0[1] as Bool, kind: $0[2] as String?, raw: $0[3] as Int, body: $0[4] as Int?,
                            delta: $0[5] as Bool) }
            let quarantined = try Row.fetchAll(db, sql: "SELECT reason, COUNT(*) FROM quarantine GROUP BY reason")
                .map { "\($0[1] as Int) × \($0[0] as String)" }
            return (objects, rows, quarantined)
        }
        try queue.close()
        let store = try Store(path: path)
        defer { try? store.close() }
        let bodies = rows.compactMap(\.body).reduce(0, +)
        let articles = rows.filter(\.article)
        var zlib6 = 0
        for row in articles { zlib6 += try ZlibCodec.compress(try store.item(id: row.id)?.bytes ?? []).count }
        let articleBodies = articles.compactMap(\.body).reduce(0, +)
        let edits = rows.filter { !$0.article && $0.body != nil && $0.delta }
        let same = rows.filter { !$0.article && $0.body == nil && $0.delta }
        let notDelta = rows.filter { !$0.article && $0.body != nil && !$0.delta }

        print("\npage size \(actualPageSize): ingest \(String(format: "%.2f", seconds)) s wall (--once, \(rows.count) items)")
        if !quarantined.isEmpty { Benchmark.row("quarantined", quarantined.joined(separator: "; ")) }
        Benchmark.row("whole store file", String(format: "%.3f × the raw bytes received (%d of %d)", Double(file) / Double(raw), file, raw))
        Benchmark.row("  after VACUUM", String(format: "%.3f × (%d)", Double(compactFile) / Double(raw), compactFile))
        Benchmark.row("all bodies", String(format: "%.3f × raw", Double(bodies) / Double(raw)))
        Benchmark.row("article bodies", String(format: "%.3f × zlib-6 of the same articles (%d articles)",
                                               Double(articleBodies) / Double(zlib6), articles.count))
        Benchmark.row("light edits, as deltas", String(format: "%.3f × their raw size (%d; %d kept whole instead)",
                                                       Double(edits.compactMap(\.body).reduce(0, +)) / Double(max(1, edits.map(\.raw).reduce(0, +))),
                                                       edits.count, notDelta.count))
        Benchmark.row("identical copies", "\(same.count), 0 bytes each")
        Benchmark.row("non-body bytes per item", String(format: "%.0f (the file less the bodies' bytes, over %d items)",
                                                        Double(file - bodies) / Double(rows.count), rows.count))
        print("  object                       pages      bytes    payload   unused")
        for object in objects {
            print("  " + object.name.padding(toLength: 26, withPad: " ", startingAt: 0)
                  + String(format: "%7d %10d %10d %8d", object.pages, object.bytes, object.payload, object.unused))
        }

        // `show`'s store side for every item, three passes in a shuffled order.
        var rng = SeededGenerator(seed: 7)
        var times: [Double] = []
        for _ in 0..<3 {
            for row in rows.shuffled(using: &rng) {
                let start = ContinuousClock.now
                _ = try store.item(id: row.id)
                times.append(Benchmark.seconds(since: start))
            }
        }
        times.sort()
        Benchmark.row("show (store side)", String(format: "p50 %.3f ms, p99 %.3f ms over %d reads", 1000 * times[times.count / 2],
                                                  1000 * times[times.count * 99 / 100], times.count))
    }
}
