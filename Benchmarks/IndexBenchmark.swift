import DedupCore
import Foundation
import TestSupport

/// `newsdedup-bench index [N]`: the in-memory near-duplicate index alone, without SQLite: N
/// random fingerprints (default 10 M) bulk-loaded, then 2,000 lookups at the default
/// threshold, half with a neighbour planted 1-7 bits away, each also probing four anchors (one
/// of a planted query shared with its neighbour). Seconds, not minutes, so a change to the
/// index can be tried at full size; `scale` measures the daemon's own path.
enum IndexBenchmark {
    static func run(arguments: [String]) throws {
        let size = arguments.first.flatMap { Int($0) } ?? 10_000_000
        var rng = SeededGenerator(seed: 0x1DE7)
        var index = NearDuplicateIndex()
        var planted: [UInt64] = []
        var plantedAnchors: [UInt32] = []
        let loadStart = ContinuousClock.now
        for id in 1...Int64(size) {
            let simhash = ScaleBenchmark.plantedFingerprint(at: Int(id - 1), every: 10_000, queries: &planted, &rng)
            let anchors = (0..<Anchors.count).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
            if planted.count > plantedAnchors.count { plantedAnchors.append(anchors[0]) }
            index.load(id: id, simhash: simhash, anchors: anchors)
        }
        index.rebuild()
        let loadSeconds = Benchmark.seconds(since: loadStart)
        let queries = Array(planted.prefix(1_000)) + (0..<(2_000 - min(1_000, planted.count))).map { _ in rng.next() }
        var latencies: [Double] = []
        var found = 0, foundByAnchor = 0
        for (number, query) in queries.enumerated() {
            var anchors = (0..<Anchors.count).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
            if number < min(1_000, planted.count) { anchors[0] = plantedAnchors[number] }
            let start = ContinuousClock.now
            found += index.candidates(simhash: query, maxDistance: NearDuplicateThreshold.defaultMaxDistance).count
            foundByAnchor += index.partCandidates(anchors: anchors).count
            latencies.append(Benchmark.seconds(since: start))
        }
        latencies.sort()
        print(String(format: "index alone, %@ fingerprints: lookup (SimHash and anchors) p50 %.3f ms, p99 %.3f ms; %d of %d planted found, %d by anchor; built in %.1f s; %.0f MB in its arrays (%.1f bytes an article); %@",
                     size.formatted(), latencies[latencies.count / 2] * 1000, latencies[latencies.count * 99 / 100] * 1000,
                     found, min(1_000, planted.count), foundByAnchor, loadSeconds, Double(index.byteCount) / 1e6,
                     Double(index.byteCount) / Double(size), residentSet()))
    }

    /// This process's resident set now and at its peak (VmRSS, VmHWM).
    static func residentSet() -> String {
        let status = ((try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? "") + ((try? String(contentsOfFile: "/proc/self/smaps_rollup", encoding: .utf8)) ?? "")
        let fields = status.split(separator: "\n").filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("VmHWM") || $0.hasPrefix("AnonHuge") }
        return fields.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }.joined(separator: ", ")
    }
}
