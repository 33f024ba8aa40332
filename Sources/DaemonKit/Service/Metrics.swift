import Foundation
import Synchronization

/// In-process counters and latency histograms, rendered in the Prometheus text exposition
/// format (version 0.0.4) for `newsdedupctl metrics` and the optional HTTP listener (`metrics_listen`). Small on purpose: a handful of series,
/// fixed buckets, one lock.
final class Metrics: Sendable {
    /// Latency buckets in seconds: sub-millisecond lookups up to multi-second batches.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Histogram {
        var counts = [UInt64](repeating: 0, count: Metrics.buckets.count)
        var sum = 0.0
        var count: UInt64 = 0

        mutating func observe(_ seconds: Double) {
            for (index, bound) in Metrics.buckets.enumerated() where seconds <= bound { counts[index] += 1 }
            sum += seconds
            count += 1
        }
    }

    enum Latency: String, CaseIterable {
        /// Claim one file (a rename into its batch's folder), and one batch's directory syncs.
        case claim = "newsdedup_claim_seconds"
        /// Read one file.
        case read = "newsdedup_read_seconds"
        /// Decode one file's bytes to text.
        case decode = "newsdedup_decode_seconds"
        /// Normalise, shingle and hash one text.
        case fingerprint = "newsdedup_fingerprint_seconds"
        /// Compress one file.
        case compress = "newsdedup_compress_seconds"
        /// Read, decode, fingerprint and compress one file.
        case prepare = "newsdedup_prepare_seconds"
        /// Commit one batch: verdicts, rows, feed, fsync.
        case commit = "newsdedup_commit_seconds"
        /// Move one committed batch to processed/DAY/ (its folder's rename, directory syncs).
        case move = "newsdedup_move_seconds"
        /// Answer one control request.
        case query = "newsdedup_query_seconds"
        /// Hold the shared store's global lock for one batch (PostgreSQL: other daemons wait).
        case storeLock = "newsdedup_store_lock_seconds"
    }

    /// Total seconds and count per stage, in pipeline order (for `newsdedupd --once --stats`);
    /// with a shared store, the lock's hold per batch at the median and the 99th percentile.
    func stageTotals() -> [StageTime] {
        let (snapshot, holds) = state.withLock { ($0.histograms, $0.lockHolds.sorted()) }
        var stages = Latency.allCases.filter { $0 != .query && ($0 != .storeLock || !holds.isEmpty) }.map { latency in
            let histogram = snapshot[latency] ?? Histogram()
            return StageTime(
                stage: latency.rawValue.replacingOccurrences(of: "newsdedup_", with: "").replacingOccurrences(of: "_seconds", with: ""),
                seconds: histogram.sum, count: histogram.count)
        }
        if !holds.isEmpty {
            for (name, quantile) in [("store_lock_p50", 0.5), ("store_lock_p99", 0.99)] {
                stages.append(StageTime(stage: name, seconds: holds[min(holds.count - 1, Int(Double(holds.count) * quantile))],
                                        count: UInt64(holds.count)))
            }
        }
        return stages
    }

    private struct State {
        var files: [String: UInt64] = [:]
        var quarantined: [String: UInt64] = [:]
        var histograms: [Latency: Histogram] = [:]
        /// The last holds of the shared store's lock, for percentiles (a bounded sample).
        var lockHolds: [Double] = []
    }

    private let state = Mutex(State())

    /// A file dealt with: `outcome` is stored, exact, near, quarantined or recovered.
    func countFile(_ outcome: String) { state.withLock { $0.files[outcome, default: 0] += 1 } }
    func countQuarantine(_ reason: String) { state.withLock { $0.quarantined[reason, default: 0] += 1 } }
    func observeLockHold(_ seconds: Double) {
        state.withLock { state in
            state.histograms[.storeLock, default: Histogram()].observe(seconds)
            if state.lockHolds.count == 100_000 { state.lockHolds.removeFirst(50_000) }
            state.lockHolds.append(seconds)
        }
    }

    func observe(_ latency: Latency, seconds: Double) { state.withLock { $0.histograms[latency, default: Histogram()].observe(seconds) } }

    /// Times `body` into `latency`.
    func time<T, E: Error>(_ latency: Latency, _ body: () throws(E) -> T) throws(E) -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            observe(latency, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return try body()
    }

    /// A value read when asked: what the store holds now, the backlog, uptime. The store's
    /// counts are gauges, not counters: retention takes articles away, so they can fall.
    struct Gauge {
        let name: String
        let labels: String
        let help: String
        let value: Double

        init(_ name: String, _ labels: String, _ help: String, _ value: Double) {
            (self.name, self.labels, self.help, self.value) = (name, labels, help, value)
        }

        init(_ name: String, _ help: String, _ value: Double) {
            self.init(name, "", help, value)
        }
    }

    /// The exposition: these in-process series (counts since start, and latencies) plus `gauges`
    /// from the caller.
    func render(gauges: [Gauge]) -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        func header(_ name: String, _ type: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
        func number(_ value: Double) -> String { value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value) }

        header("newsdedup_files_total", "counter", "Files dealt with since start, by outcome.")
        for outcome in ["stored", "exact", "near", "quarantined", "recovered"] {
            out += "newsdedup_files_total{outcome=\"\(outcome)\"} \(snapshot.files[outcome] ?? 0)\n"
        }
        header("newsdedup_quarantined_total", "counter", "Files quarantined since start, by reason.")
        for (reason, count) in snapshot.quarantined.sorted(by: { $0.key < $1.key }) {
            out += "newsdedup_quarantined_total{reason=\"\(reason)\"} \(count)\n"
        }
        var seen: Set<String> = []
        for gauge in gauges {
            if seen.insert(gauge.name).inserted { header(gauge.name, "gauge", gauge.help) }
            out += "\(gauge.name)\(gauge.labels) \(number(gauge.value))\n"
        }
        let helps: [Latency: String] = [
            .claim: "Time to claim one file into its batch's folder, or to sync one batch's directories.",
            .read: "Time to read one file.",
            .decode: "Time to decode one file's bytes to text.",
            .fingerprint: "Time to normalise, shingle and hash one text.",
            .compress: "Time to compress one file.",
            .prepare: "Time to read, decode, fingerprint and compress one file.",
            .move: "Time to move one committed batch's folder to processed/DAY/.",
            .commit: "Time to commit one batch (verdicts, rows, feed, fsync).",
            .query: "Time to answer one control request.",
            .storeLock: "Time one batch held the shared (PostgreSQL) store's global lock, which other daemons wait for.",
        ]
        for latency in Latency.allCases {
            let histogram = snapshot.histograms[latency] ?? Histogram()
            header(latency.rawValue, "histogram", helps[latency] ?? "")
            for (index, bound) in Self.buckets.enumerated() {
                out += "\(latency.rawValue)_bucket{le=\"\(bound)\"} \(histogram.counts[index])\n"
            }
            out += "\(latency.rawValue)_bucket{le=\"+Inf\"} \(histogram.count)\n"
            out += "\(latency.rawValue)_sum \(histogram.sum)\n\(latency.rawValue)_count \(histogram.count)\n"
        }
        return out
    }
}

/// Where the time of a drain went, per stage: per-file stages run on several lanes at once, so
/// their seconds add up to more than the wall clock.
public struct StageTime: Sendable, Equatable {
    public let stage: String
    public let seconds: Double
    public let count: UInt64
}
