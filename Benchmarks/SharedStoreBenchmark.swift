import Foundation
import Synchronization
import TestSupport

/// `scripts/bench.sh shared [--articles N] [--batch-size N]` (root: it starts throwaway PostgreSQL clusters):
/// several `newsdedupd --once` processes on one PostgreSQL database against one on SQLite, in
/// the same run. The same N articles (one in five a copy of an earlier one: half identical,
/// half with an update line on top) are dealt round-robin into 1, 2 or 3 inboxes, so copies
/// cross daemons; all daemons start at once; the rate is N over the slowest's wall clock.
/// Then the global lock's hold per batch (each daemon's p50/p99, from `--stats`), and the
/// drop-to-visible latency across daemons: a file renamed into daemon A's inbox until its
/// record is printed by `newsdedupctl export --follow` on daemon B (and on A, alongside).
enum SharedStoreBenchmark {
    /// `--batch-size N` for every daemon (default: the daemon's).
    nonisolated(unsafe) static var batchSize: Int?

    static func run(arguments: [String]) throws {
        guard PostgresCluster.available else {
            print("shared: needs root and Debian's postgresql 15 (scripts/setup.sh --test)")
            return
        }
        let count = arguments.firstIndex(of: "--articles").flatMap { Int(arguments[$0 + 1]) } ?? 6_000
        batchSize = arguments.firstIndex(of: "--batch-size").flatMap { Int(arguments[$0 + 1]) }
        let corpus = try Self.corpus(count)
        let megabytes = Double(corpus.reduce(0) { $0 + $1.count }) / 1e6
        print("shared store: \(count) articles (\(String(format: "%.1f", megabytes)) MB), one in five a copy; "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores")

        let sqlite = try drain(corpus, daemons: 1, store: nil)
        Benchmark.row("SQLite, 1 daemon", String(format: "%.0f articles/s (%.2f s)", Double(count) / sqlite.wall, sqlite.wall))
        for daemons in 1...3 {
            let cluster = try PostgresCluster()
            let result = try drain(corpus, daemons: daemons, store: cluster.uri)
            let holds = result.stats.map { stats in
                String(format: "%.1f/%.1f", (stats["store_lock_p50"] ?? 0) * 1000, (stats["store_lock_p99"] ?? 0) * 1000)
            }.joined(separator: ", ")
            Benchmark.row("PostgreSQL, \(daemons) daemon\(daemons == 1 ? "" : "s")",
                          String(format: "%.0f articles/s (%.2f s, %.2f× SQLite); lock hold p50/p99 ms per daemon: %@",
                                 Double(count) / result.wall, result.wall, sqlite.wall / result.wall, holds))
        }
        try latency()
    }

    /// N articles, each fifth a copy of an earlier one (identical, or an update line on top).
    static func corpus(_ count: Int) throws -> [Data] {
        var factory = try ArticleFactory(seed: 1919)
        var rng = SeededGenerator(seed: 19)
        var corpus: [Data] = []
        for index in 0..<count {
            if index % 5 == 4 {
                let original = corpus[Int(rng.next() % UInt64(corpus.count))]
                corpus.append(index % 10 == 4 ? original : Data("Updated at noon.\n".utf8) + original)
            } else {
                corpus.append(factory.article())
            }
        }
        return corpus
    }

    struct Drain {
        var wall: Double
        /// Each daemon's `--stats` lines, stage to seconds.
        var stats: [[String: Double]]
    }

    /// Deals the corpus round-robin into `daemons` inboxes, starts a `--once --stats` daemon
    /// on each at the same moment (on `store`, or on one SQLite file when nil), and
    /// waits for all.
    static func drain(_ corpus: [Data], daemons: Int, store: String?) throws -> Drain {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nd-shared-\(getpid())-\(daemons)-\(store == nil)")
        defer { try? FileManager.default.removeItem(at: root) }
        var processes: [(Process, Pipe)] = []
        for number in 0..<daemons {
            let inbox = try Benchmark.fill(stride(from: number, to: corpus.count, by: daemons).map { corpus[$0] },
                                           root.appendingPathComponent("d\(number)"))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("newsdedupd")
            process.arguments = ["--once", "--stats", "--inbox", inbox.path,
                                 "--store", store ?? root.appendingPathComponent("store.sqlite").path]
            process.environment = ["NEWSDEDUP_MIN_FILE_AGE": "0", "NEWSDEDUP_LOG_LEVEL": "error"]
                .merging(batchSize.map { ["NEWSDEDUP_BATCH_SIZE": "\($0)"] } ?? [:]) { $1 }
            let out = Pipe()
            process.standardOutput = out
            processes.append((process, out))
        }
        let start = ContinuousClock.now
        for (process, _) in processes { try process.run() }
        var stats: [[String: Double]] = []
        for (process, out) in processes {
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw Benchmark.BenchmarkError.failed("newsdedupd --once failed: \(text)") }
            stats.append(Dictionary(text.split(separator: "\n").compactMap { line -> (String, Double)? in
                let fields = line.split(separator: "\t")
                guard fields.count == 3, let seconds = Double(fields[1]) else { return nil }
                return (String(fields[0]), seconds)
            }, uniquingKeysWith: { first, _ in first }))
        }
        return Drain(wall: Benchmark.seconds(since: start), stats: stats)
    }

    /// Two daemons on one database, a follower on each; 100 files dropped into A one at a
    /// time, 100 ms apart: from the rename to the record on B's feed, and on A's.
    static func latency() throws {
        let cluster = try PostgresCluster()
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nd-shared-latency-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let staging = root.appendingPathComponent("staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        var daemons: [Process] = []
        defer { for daemon in daemons where daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
        var followers: [Arrivals] = []
        defer { for follower in followers where follower.process.isRunning { follower.process.terminate(); follower.process.waitUntilExit() } }
        for name in ["a", "b"] {
            let inbox = root.appendingPathComponent("\(name)/inbox"), socket = root.appendingPathComponent("\(name).sock").path
            try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
            let daemon = Process()
            daemon.executableURL = bin.appendingPathComponent("newsdedupd")
            daemon.arguments = ["--inbox", inbox.path, "--store", cluster.uri, "--socket", socket]
            daemon.environment = ["NEWSDEDUP_LOG_LEVEL": "error"].merging(batchSize.map { ["NEWSDEDUP_BATCH_SIZE": "\($0)"] } ?? [:]) { $1 }
            daemon.standardOutput = FileHandle.nullDevice
            daemon.standardError = FileHandle.nullDevice
            try daemon.run()
            daemons.append(daemon)
            while !FileManager.default.fileExists(atPath: socket) { Thread.sleep(forTimeInterval: 0.05) }
            Thread.sleep(forTimeInterval: 0.3)
            followers.append(try Self.follow(bin, socket))
        }
        var factory = try ArticleFactory(seed: 12)
        var across: [Double] = [], local: [Double] = []
        let inbox = root.appendingPathComponent("a/inbox")
        for index in 0..<100 {
            let name = String(format: "drop-%03d.txt", index)
            try factory.article().write(to: staging.appendingPathComponent(name))
            let start = ContinuousClock.now
            guard rename(staging.appendingPathComponent(name).path, inbox.appendingPathComponent(name).path) == 0 else {
                throw Benchmark.BenchmarkError.failed("cannot rename into \(inbox.path)")
            }
            let deadline = start + .seconds(10)
            var found = (nil as Double?, nil as Double?)
            while ContinuousClock.now < deadline, found.0 == nil || found.1 == nil {
                if found.0 == nil, let at = followers[0].seen.withLock({ $0[name] }) { found.0 = Self.seconds(from: start, to: at) }
                if found.1 == nil, let at = followers[1].seen.withLock({ $0[name] }) { found.1 = Self.seconds(from: start, to: at) }
                Thread.sleep(forTimeInterval: 0.001)
            }
            if let seconds = found.0 { local.append(seconds) }
            if let seconds = found.1 { across.append(seconds) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        for (label, values) in [("drop-to-visible, same daemon", local), ("drop-to-visible, across daemons", across)] {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { print("\(label): no record seen"); continue }
            Benchmark.row(label, String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d files",
                                        sorted[sorted.count / 2] * 1000, sorted[min(sorted.count - 1, sorted.count * 99 / 100)] * 1000,
                                        sorted.last! * 1000, sorted.count))
        }
    }

    static func seconds(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
        let elapsed = end - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// `newsdedupctl export --follow` on `socket`; every record's arrival is stamped by source.
    static func follow(_ bin: URL, _ socket: String) throws -> Arrivals {
        let follower = Process()
        follower.executableURL = bin.appendingPathComponent("newsdedupctl")
        follower.arguments = ["--socket", socket, "export", "--follow"]
        let pipe = Pipe()
        follower.standardOutput = pipe
        try follower.run()
        let arrivals = Arrivals(process: follower)
        let reader = Thread {
            var buffer = Data()
            while true {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { return }
                let now = ContinuousClock.now
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer.removeSubrange(buffer.startIndex...newline)
                    if let record = try? JSONSerialization.jsonObject(with: line) as? [String: Any], let source = record["source"] as? String {
                        arrivals.seen.withLock { $0[source] = now }
                    }
                }
            }
        }
        reader.start()
        return arrivals
    }

    /// A follower process and when each record reached it.
    final class Arrivals: Sendable {
        let process: Process
        let seen = Mutex<[String: ContinuousClock.Instant]>([:])
        init(process: Process) { self.process = process }
    }
}

