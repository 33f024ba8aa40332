import ArticleStore
import Foundation
import Glibc
import TestSupport
import Testing

/// kill -9 at random points while ingesting, many rounds: afterwards every input is stored
/// exactly once or quarantined, processed/ holds no file without a row, and SQLite is intact.
/// `NEWSDEDUP_SOAK_FILES` and `NEWSDEDUP_SOAK_ROUNDS` make it the nightly variant
/// (scripts/crash-soak.sh runs 10,000 files × 50 rounds).
@Suite(.serialized) struct CrashRecoveryTests {
    let environment = ProcessInfo.processInfo.environment

    @Test func killNineAtRandomPointsLosesAndRepeatsNothing() throws {
        let fileCount = Int(environment["NEWSDEDUP_SOAK_FILES"] ?? "") ?? 1500
        let rounds = Int(environment["NEWSDEDUP_SOAK_ROUNDS"] ?? "") ?? 16
        let workspace = try Workspace()
        var factory = try ArticleFactory(seed: 0xC0FFEE)
        var rng = SeededGenerator(seed: 0xDEAD)

        // Inputs: new articles, exact copies of earlier ones, and a few that must be quarantined.
        var articles: [Data] = []
        var expectedQuarantine: Set<String> = []
        var inputs: [String] = []
        for index in 0..<fileCount {
            let name = String(format: "in-%06d.txt", index)
            let data: Data
            if index % 97 == 13 {
                data = Data([0x00]) + Data("binary".utf8)
                expectedQuarantine.insert(name)
            } else if index % 10 == 5, let earlier = articles.randomElement(using: &rng) {
                data = earlier
            } else {
                data = factory.article()
                articles.append(data)
            }
            try workspace.drop(name, data)
            inputs.append(name)
        }

        var failpointRounds = 0
        var failpointsFired = 0
        for round in 0..<rounds {
            let process = Process()
            // Every third round crashes right after a commit, before the move: the window that
            // start-up recovery must close. The others are killed at a random moment.
            var env = ["NEWSDEDUP_MIN_FILE_AGE": "0", "NEWSDEDUP_BATCH_SIZE": "\(1 + Int(rng.next() % 40))"]
            if round % 3 == 1 {
                env["NEWSDEDUP_FAILPOINT"] = "exit-after-commit:\(1 + Int(rng.next() % 5))"
                failpointRounds += 1
            }
            configure(process, workspace, environment: env)
            let log = workspace.root.appendingPathComponent("round-\(round).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            if env["NEWSDEDUP_FAILPOINT"] != nil {
                // Let it run into its failpoint (or, if the inbox ran dry first, stop it after a while).
                try? waitFor("the failpoint", timeout: 30) { !process.isRunning }
            } else {
                usleep(UInt32(30_000 + rng.next() % 400_000))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .exit, process.terminationStatus == 86 { failpointsFired += 1 }
        }

        // Restart and drain whatever is left.
        let drain = try run(Binaries.daemon, ["--once", "--inbox", workspace.inbox.path, "--store", workspace.store])
        #expect(drain.status == 0, "\(drain.stderr.suffix(2000))")

        let store = try Store(path: workspace.store)
        defer { try? store.close() }
        #expect(try store.integrityCheck() == ["ok"])
        let feed = try store.feed(since: 0, limit: Int.max)
        let sources = feed.map(\.source)
        let counted = Dictionary(sources.map { ($0, 1) }, uniquingKeysWith: +)
        let repeated = counted.filter { $0.value > 1 }.keys.sorted()
        #expect(repeated.isEmpty, "stored more than once: \(repeated.prefix(10))")
        let quarantined = Set(workspace.files(in: "quarantine").filter { !$0.hasPrefix(".") && !$0.hasSuffix(".reason") })
        let reasons = Set(workspace.files(in: "quarantine").filter { $0.hasPrefix(".") && $0.hasSuffix(".reason") })
        #expect(quarantined == expectedQuarantine)
        #expect(reasons == Set(expectedQuarantine.map { "." + $0 + ".reason" }))
        let lost = Set(inputs).subtracting(counted.keys).subtracting(quarantined)
        #expect(lost.isEmpty, "lost: \(lost.sorted().prefix(10))")
        #expect(Set(workspace.filesBelow("processed")) == Set(counted.keys), "processed/ holds exactly the files with a row")
        #expect(workspace.filesBelow("processing").isEmpty)
        #expect(workspace.files(in: "inbox").isEmpty)
        #expect(feed.map(\.seq) == Array(1...Int64(feed.count)), "the feed has no gaps")
        let totals = try store.totals()
        #expect(totals.articles == Int64(articles.count))
        #expect(totals.articles + totals.exactDuplicates + totals.nearDuplicates == Int64(inputs.count - expectedQuarantine.count))
        // Files found committed but not moved at a restart: the window between commit and move.
        let roundLogs = (0..<rounds).map { (try? String(contentsOf: workspace.root.appendingPathComponent("round-\($0).log"), encoding: .utf8)) ?? "" }
        let recoveredInRounds = roundLogs.map { $0.components(separatedBy: "already committed before a restart").count - 1 }.reduce(0, +)
        let recoveredInDrain = Int(drain.text.components(separatedBy: " recovered").first?.split(separator: " ").last ?? "") ?? 0
        let recovered = recoveredInRounds + recoveredInDrain
        #expect(recovered >= failpointsFired, "each crash right after a commit leaves files that a restart must recover")
        print("crash test: \(inputs.count) files, \(rounds) rounds (\(failpointsFired) of \(failpointRounds) failpoint rounds "
            + "crashed right after a commit), lost \(lost.count), stored twice \(repeated.count), "
            + "recovered after commit-before-move: \(recovered) files")
    }
}
