import Foundation
import Synchronization
import TestSupport

/// `scripts/bench.sh latency`: from a file renamed into the inbox to its record printed by
/// `newsdedupctl export --follow`, with the daemon at its default settings (poll every 2 s;
/// inotify wakes it for renames). 50 files, one at a time, 200 ms apart.
enum LatencyBenchmark {
    static func run() throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nd-latency-\(getpid())")
        let inbox = root.appendingPathComponent("inbox"), staging = root.appendingPathComponent("staging")
        for directory in [inbox, staging] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(at: root) }
        let socket = root.appendingPathComponent("s.sock").path

        let daemon = Process()
        daemon.executableURL = bin.appendingPathComponent("newsdedupd")
        daemon.arguments = ["--inbox", inbox.path, "--store", root.appendingPathComponent("store.sqlite").path, "--socket", socket]
        daemon.environment = ["NEWSDEDUP_LOG_LEVEL": "error"]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
        while !FileManager.default.fileExists(atPath: socket) { Thread.sleep(forTimeInterval: 0.05) }
        Thread.sleep(forTimeInterval: 0.3)

        // The follower: every line it prints is stamped on arrival.
        let follower = try SharedStoreBenchmark.follow(bin, socket)
        defer { if follower.process.isRunning { follower.process.terminate(); follower.process.waitUntilExit() } }

        var factory = try ArticleFactory(seed: 11)
        var latencies: [Double] = []
        for index in 0..<50 {
            let name = String(format: "drop-%03d.txt", index)
            try factory.article().write(to: staging.appendingPathComponent(name))
            let start = ContinuousClock.now
            guard rename(staging.appendingPathComponent(name).path, inbox.appendingPathComponent(name).path) == 0 else {
                throw CocoaError(.fileWriteUnknown)
            }
            let deadline = start + .seconds(10)
            while ContinuousClock.now < deadline {
                if let at = follower.seen.withLock({ $0[name] }) {
                    latencies.append(Benchmark.seconds(since: start) - Benchmark.seconds(since: at))
                    break
                }
                Thread.sleep(forTimeInterval: 0.001)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        latencies.sort()
        guard !latencies.isEmpty else { print("drop-to-visible: no record seen"); return }
        Benchmark.row("drop-to-visible", String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d files (poll interval 2 s, inotify on)",
                                                latencies[latencies.count / 2] * 1000, latencies[latencies.count * 99 / 100] * 1000,
                                                latencies.last! * 1000, latencies.count))
    }
}
