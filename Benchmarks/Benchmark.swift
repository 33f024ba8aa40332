import ArticleStore
import DedupCore
import Foundation
import TestSupport

/// `scripts/bench.sh [--full]`: release-mode figures for the performance work (issue 6): the
/// throughput stages against zlib and the Python baseline, drop-to-visible latency, and query
/// latency and memory at scale. Small sizes by default; --full for 20,000 articles and 10 M
/// fingerprints. Parts alone: `throughput`, `latency`, `scale`, `worst` (the slowest inputs for
/// the normaliser); and `quality [--explore]`, the near-duplicate quality report (issue 5).
@main
struct Benchmark {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let rest = Array(arguments.dropFirst())
        switch arguments.first {
        case "quality": try QualityBenchmark.run(arguments: rest)
        case "scale": try await ScaleBenchmark.run(arguments: rest)
        case "index": try IndexBenchmark.run(arguments: rest)
        case "precision": try PrecisionBenchmark.run(arguments: rest)
        case "latency": try LatencyBenchmark.run()
        case "dictionaries": try DictionaryBenchmark.run()
        case "store": try StoreBenchmark.run(arguments: rest)
        case "shared": try SharedStoreBenchmark.run(arguments: rest)
        case "worst": try WorstCaseBenchmark.run(arguments: rest)
        case "throughput": try throughput(full: rest.contains("--full"))
        case "fingerprint-loop": try fingerprintLoop()
        case "inbox":
            // For a profiler: the throughput corpus, written into a directory to run newsdedupd on.
            guard let directory = rest.first else { throw BenchmarkError.usage("newsdedup-bench inbox DIRECTORY [--full]") }
            _ = try fill(throughputCorpus(files: rest.contains("--full") ? 20_000 : 2_000), URL(fileURLWithPath: directory))
        default:
            let full = arguments.contains("--full")
            try throughput(full: full)
            try LatencyBenchmark.run()
            print()
            try await ScaleBenchmark.run(arguments: full ? ["--full"] : [])
        }
    }

    /// For a profiler: fingerprint Devanagari articles for about ten seconds.
    static func fingerprintLoop() throws {
        var factory = try ArticleFactory(seed: 7)
        let texts = (0..<200).map { String(decoding: factory.article(vocabulary: $0 % 3), as: UTF8.self) }
        let fingerprinter = Fingerprinter()
        let deadline = ContinuousClock.now + .seconds(10)
        var rounds = 0
        while ContinuousClock.now < deadline {
            var cache: NormalizationCache? = NormalizationCache()
            for text in texts { _ = try? fingerprinter.analyze(text, cache: &cache) }
            rounds += 1
        }
        print("fingerprint-loop: \(rounds) rounds of \(texts.map(\.utf8.count).reduce(0, +)) bytes")
    }

    static func throughput(full: Bool) throws {
        let files = full ? 20_000 : 2_000
        print("newsdedup benchmark: \(files) generated articles (3-8 KB; Hindi, Turkish, Bengali words), release build")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, "
            + "\(ProcessInfo.processInfo.physicalMemory >> 30) GiB, \(cpuModel())\n")

        let corpus = try throughputCorpus(files: files)
        var factory = try ArticleFactory(seed: 2027)
        let scripts: [(name: String, vocabularies: [Int])] = [("Devanagari", [0, 1, 2]), ("Latin (Turkish)", [3]), ("Bengali", [4])]
        var perScript: [String: [Data]] = [:]
        for script in scripts {
            perScript[script.name] = (0..<200).map { index in factory.article(vocabulary: script.vocabularies[index % script.vocabularies.count]) }
        }

        print("stage                          figure")
        let fingerprinter = Fingerprinter()
        // The normaliser's scalar table is built on first use, once per process.
        let tableSeconds = time { _ = try? fingerprinter.fingerprint(of: "warm-up") }
        row("scalar table, built once", String(format: "%.0f ms", tableSeconds * 1000))
        for script in scripts {
            let texts = perScript[script.name]!.map { String(decoding: $0, as: UTF8.self) }
            let bytes = texts.map(\.utf8.count).reduce(0, +)
            let seconds = time { for text in texts { _ = try? fingerprinter.fingerprint(of: text) } }
            var cache: NormalizationCache? = NormalizationCache()
            let cached = time { for text in texts { _ = try? fingerprinter.fingerprint(of: text, cache: &cache) } }
            row("fingerprint, \(script.name)", String(format: "%.1f MB/s, %.1f MB/s with the word cache (one core)",
                                                        Double(bytes) / seconds / 1e6, Double(bytes) / cached / 1e6))
        }
        let hashed = perScript["Devanagari"]!.map { Array($0) }
        let hashedBytes = Double(hashed.map(\.count).reduce(0, +))
        let rate = hashedBytes / time { for text in hashed { _ = SHA256.digest(text) } } / 1e6
        row("SHA-256 (exact-duplicate key)", String(format: "%.0f MB/s (swift-crypto)", rate))
        for script in scripts {
            let texts = perScript[script.name]!
            let raw = texts.map(\.count).reduce(0, +)
            var stored = 0
            let seconds = time { for text in texts { stored += (try? ZlibCodec.compress(Array(text)).count) ?? 0 } }
            row("zlib level 6, \(script.name)", String(format: "%.1f MB/s, stored %.2f × raw", Double(raw) / seconds / 1e6, Double(stored) / Double(raw)))
        }
        let rawTotal = corpus.map(\.count).reduce(0, +)
        let zlibSeconds = time { for text in corpus { _ = try? ZlibCodec.compress(Array(text)) } }
        let ceiling = Double(files) / zlibSeconds
        row("zlib alone, whole corpus", String(format: "%.0f articles/s, %.1f MB/s on one core (the ceiling)", ceiling, Double(rawTotal) / zlibSeconds / 1e6))
        // The same on every core: what the machine could do if compressing were all there was.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let allCoresSeconds = time {
            DispatchQueue.concurrentPerform(iterations: cores) { core in
                for index in stride(from: core, to: corpus.count, by: cores) { _ = try? ZlibCodec.compress(Array(corpus[index])) }
            }
        }
        let machineCeiling = Double(files) / allCoresSeconds
        row("zlib alone, every core", String(format: "%.0f articles/s on %d cores", machineCeiling, cores))

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nd-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (ours, stages) = try endToEnd(corpus, in: scratch.appendingPathComponent("ours"))
        row("newsdedupd --once", String(format: "%.0f articles/s, %.1f MB/s, %.0f %% of the zlib ceiling (%.0f %% of zlib on every core)",
                                        Double(files) / ours, Double(rawTotal) / ours / 1e6, 100 * Double(files) / ours / ceiling,
                                        100 * Double(files) / ours / machineCeiling))
        for stage in stages where stage.name != "wall" && stage.name != "prepare" {
            row("  \(stage.name)", String(format: "%.3f s in all (%.0f %% of the wall clock)%@", stage.seconds, 100 * stage.seconds / ours,
                                          ["claim", "read", "decode", "fingerprint", "compress"].contains(stage.name) ? ", on every core" : ""))
        }
        let storePath = scratch.appendingPathComponent("ours/store.sqlite").path
        let store = try Store(path: storePath)
        let totals = try store.totals()
        try store.close()
        let fileBytes = [storePath, storePath + "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.reduce(0, +)
        row("store size", String(format: "%.2f × the raw bytes of the stored articles (bodies alone %.2f ×; %d articles, %d near duplicates)",
                                 Double(fileBytes) / Double(totals.rawBytes), Double(totals.storedBytes) / Double(totals.rawBytes),
                                 totals.articles, totals.nearDuplicates))
        if let python = try pythonBaseline(corpus, in: scratch.appendingPathComponent("python")) {
            row("Python simhash baseline", String(format: "%.0f articles/s; newsdedupd is %.1f× faster",
                                                         Double(files) / python, python / ours))
        } else {
            row("Python simhash baseline", "skipped: pip install simhash")
        }
    }

    /// Generated articles (3-8 KB, mixed scripts); one in ten is a near duplicate of an earlier
    /// one, its last sentence cut.
    static func throughputCorpus(files: Int) throws -> [Data] {
        var factory = try ArticleFactory(seed: 2026)
        var corpus = (0..<files).map { _ in factory.article() }
        for index in stride(from: 9, to: files, by: 10) {
            let earlier = String(decoding: corpus[index - 5], as: UTF8.self).split(separator: "\n")
            corpus[index] = Data(earlier.dropLast().joined(separator: "\n").utf8)
        }
        return corpus
    }

    static func row(_ stage: String, _ figure: String) {
        print(stage.padding(toLength: 31, withPad: " ", startingAt: 0) + figure)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func time(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Writes the corpus into an inbox (by rename) and times `newsdedupd --once --stats` on it:
    /// the wall clock, and the daemon's own seconds per stage.
    static func endToEnd(_ corpus: [Data], in root: URL) throws -> (Double, [(name: String, seconds: Double)]) {
        let inbox = try fill(corpus, root)
        let daemon = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("newsdedupd")
        let process = Process()
        process.executableURL = daemon
        process.arguments = ["--once", "--stats", "--inbox", inbox.path, "--store", root.appendingPathComponent("store.sqlite").path]
        process.environment = ["NEWSDEDUP_MIN_FILE_AGE": "0", "NEWSDEDUP_LOG_LEVEL": "error"]
        let out = Pipe()
        process.standardOutput = out
        let start = ContinuousClock.now
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        let stages = text.split(separator: "\n").dropFirst().compactMap { line -> (name: String, seconds: Double)? in
            let fields = line.split(separator: "\t")
            guard fields.count == 3, let seconds = Double(fields[1]) else { return nil }
            return (String(fields[0]), seconds)
        }
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, stages)
    }

    static func pythonBaseline(_ corpus: [Data], in root: URL) throws -> Double? {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/python_baseline.py")
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import simhash"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { return nil }
        let inbox = try fill(corpus, root)
        let out = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, inbox.path, root.appendingPathComponent("store.sqlite").path]
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: " ").last.flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    static func fill(_ corpus: [Data], _ root: URL) throws -> URL {
        let inbox = root.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        for (index, data) in corpus.enumerated() {
            let name = String(format: "a-%06d.txt", index)
            try data.write(to: root.appendingPathComponent(name))
            try FileManager.default.moveItem(at: root.appendingPathComponent(name), to: inbox.appendingPathComponent(name))
        }
        return inbox
    }

    enum BenchmarkError: Error, CustomStringConvertible {
        case usage(String)
        case failed(String)
        var description: String {
            switch self {
            case .usage(let text): "usage: \(text)"
            case .failed(let text): text
            }
        }
    }

    static func cpuModel() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    }
}
