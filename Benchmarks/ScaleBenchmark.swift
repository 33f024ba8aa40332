import ArticleStore
import DedupCore
import Foundation
import GRDB
import TestSupport

/// `scripts/bench.sh scale [--full]`: near-duplicate query latency and the daemon's memory with
/// 100 K and 1 M stored fingerprints (--full: also 10 M). Rows are written straight into a real
/// store (random fingerprints, 1 in 1,000 planted near a query point), then queried through
/// `Store.similar`, the daemon's own lookup, at the default threshold.
enum ScaleBenchmark {
    static func run(arguments: [String]) async throws {
        let sizes = arguments.contains("--full") ? [100_000, 1_000_000, 10_000_000] : [100_000, 1_000_000]
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nd-scale-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = scratch.appendingPathComponent("store.sqlite").path
        try Store(path: path).close()

        print("near-duplicate query at K = \(NearDuplicateThreshold.defaultMaxDistance), release build, "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(Benchmark.cpuModel())\n")
        print("| stored fingerprints | query p50 / p99, in memory | p50 / p99, SQLite band index alone | planted neighbours found | index load | daemon peak RSS | store file |")
        print("|---|---|---|---|---|---|---|")
        var rng = SeededGenerator(seed: 0x5CA1E)
        var queries: [UInt64] = []
        var stored = 0
        for size in sizes {
            let fillStart = ContinuousClock.now
            try fill(path, from: stored, to: size, queries: &queries, &rng)
            stored = size
            let fillSeconds = Benchmark.seconds(since: fillStart)
            let store = try Store(path: path)
            // Planted queries, then as many random ones (the common case: no match).
            let planted = Array(queries.suffix(500))
            let probes = planted + (0..<(1_000 - planted.count)).map { _ in rng.next() }
            let (sqlLatencies, _) = try measure(store, probes)  // before the index is loaded: SQL
            let loadStart = ContinuousClock.now
            try await store.warmIndex()
            let loadSeconds = Benchmark.seconds(since: loadStart)
            let (memoryLatencies, found) = try measure(store, probes)
            try store.close()
            let rss = try daemonPeakRSS(store: path, in: scratch)
            let fileSize = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            func ms(_ sorted: [Double]) -> String {
                String(format: "%.3f / %.3f ms", sorted[sorted.count / 2] * 1000, sorted[sorted.count * 99 / 100] * 1000)
            }
            print(String(format: "| %@ | %@ | %@ | %d of %d | %.1f s | %@ | %.0f MB (filled in %.0f s) |",
                         size.formatted(), ms(memoryLatencies), ms(sqlLatencies), found, planted.count, loadSeconds,
                         rss.map { String(format: "%.0f MB", Double($0) / 1024) } ?? "-", Double(fileSize) / 1e6, fillSeconds))
        }
    }

    /// Sorted latencies of `Store.similar` for each query, and the matches found.
    static func measure(_ store: Store, _ queries: [UInt64]) throws -> ([Double], Int) {
        var latencies: [Double] = []
        var found = 0
        for query in queries {
            let start = ContinuousClock.now
            let anchors = (0..<Anchors.count).map { UInt32(truncatingIfNeeded: query >> (8 * UInt64($0))) }
            let fingerprint = Fingerprint(simhash: query, leadSimhash: ~query, sha256: [UInt8](repeating: 0, count: 32), tokenCount: 0,
                                          anchors: anchors)
            let matches = try store.similar(fingerprint, maxDistance: NearDuplicateThreshold.defaultMaxDistance)
            latencies.append(Benchmark.seconds(since: start))
            found += matches.count
        }
        return (latencies.sorted(), found)
    }

    /// Rows `from..<to`: random fingerprints, and every 1,000th a query point with a neighbour
    /// planted 1-7 bits away, so each query of `queries` has one match to find.
    static func fill(_ path: String, from: Int, to: Int, queries: inout [UInt64], _ rng: inout SeededGenerator) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        // Bulk load without the lookup indexes, which are rebuilt once at the end: much faster
        // at 10 M rows than keeping them up to date row by row.
        let indexes = [
            "item_on_lead": "item(lead_simhash) WHERE indexed = 1",
            "item_on_sha_prefix": "item(substr(sha256, 1, 8)) WHERE original_id IS NULL",
        ]
        try queue.write { db in for name in indexes.keys { try db.execute(sql: "DROP INDEX IF EXISTS \(name)") } }
        defer {
            try? queue.write { db in
                for (name, definition) in indexes { try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(name) ON \(definition)") }
            }
        }
        var index = from
        while index < to {
            let end = min(to, index + 100_000)
            try queue.inTransaction(.immediate) { db in
                let insert = try db.makeStatement(sql: """
                    INSERT INTO item (sha256, simhash, lead_simhash, indexed, source, received_at, raw_size)
                    VALUES (?, ?, ?, 1, 'bench', 0, 0)
                    """)
                let anchors = try db.makeStatement(sql: "INSERT INTO anchor (item_id, keys) VALUES (last_insert_rowid(), randomblob(16))")
                for row in index..<end {
                    let simhash = plantedFingerprint(at: row, every: 1_000, queries: &queries, &rng)
                    try insert.execute(arguments: [
                        withUnsafeBytes(of: row) { Data($0) }, Int64(bitPattern: simhash), Int64(bitPattern: rng.next()),
                    ])
                    try anchors.execute()
                }
                return .commit
            }
            index = end
        }
    }

    /// A random fingerprint, except at every `every`-th position: there a new query point is
    /// drawn and kept in `queries`, and the fingerprint is planted 1-7 bits away from it.
    static func plantedFingerprint(at position: Int, every: Int, queries: inout [UInt64], _ rng: inout SeededGenerator) -> UInt64 {
        var simhash = rng.next()
        if position % every == every - 1 {
            let query = rng.next()
            queries.append(query)
            simhash = query
            for _ in 0..<Int.random(in: 1...7, using: &rng) { simhash ^= 1 << (rng.next() % 64) }
        }
        return simhash
    }

    /// Starts `newsdedupd` on the store with an empty inbox, asks it for its status and a few
    /// lookups, and reads its peak resident set size (VmHWM, KiB) before stopping it.
    static func daemonPeakRSS(store: String, in scratch: URL) throws -> Int? {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = scratch.appendingPathComponent("daemon-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let socket = root.appendingPathComponent("s.sock").path
        let daemon = Process()
        daemon.executableURL = bin.appendingPathComponent("newsdedupd")
        daemon.arguments = ["--inbox", root.appendingPathComponent("inbox").path, "--store", store, "--socket", socket]
        daemon.environment = ["NEWSDEDUP_LOG_LEVEL": "error"]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
        let probe = root.appendingPathComponent("probe.txt")
        var factory = try ArticleFactory(seed: 3)
        try factory.article().write(to: probe)
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if ctl(bin, ["--socket", socket, "status"]) == 0 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        for _ in 0..<5 { _ = ctl(bin, ["--socket", socket, "similar", probe.path]) }
        let status = (try? String(contentsOfFile: "/proc/\(daemon.processIdentifier)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }

    static func ctl(_ bin: URL, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = bin.appendingPathComponent("newsdedupctl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
