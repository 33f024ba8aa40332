import ArticleStore
import DedupCore
import Foundation
import Glibc
@testable import PostgresStore
import Synchronization
import TestSupport
import Testing

func item(_ name: String, _ bytes: Data, claim: String) throws -> IngestItem {
    let (text, encoding) = try TextDecoder.decode(Array(bytes))
    var noCache: NormalizationCache? = nil
    let (fingerprint, shingles) = try Fingerprinter().analyze(text, cache: &noCache)
    return IngestItem(source: name, claimKey: claim, bytes: Array(bytes), encoding: encoding, fingerprint: fingerprint,
                      shingles: shingles, receivedAt: 1_795_000_000_000)
}

@Suite struct PostgresLocationTests {
    @Test func libpqURIsAreRead() throws {
        let socket = try PostgresLocation(uri: "postgresql://newsdedup@/news?host=/run/postgresql")
        #expect(socket.socketDirectory == "/run/postgresql" && socket.host == nil && socket.port == 5432)
        #expect(socket.user == "newsdedup" && socket.database == "news")
        let tcp = try PostgresLocation(uri: "postgres://u:p%40ss@db.example:6432/dedup")
        #expect(tcp.host == "db.example" && tcp.port == 6432 && tcp.password == "p@ss" && tcp.database == "dedup")
        #expect(tcp.display == "postgresql://u:***@db.example:6432/dedup")
        #expect(try PostgresLocation(uri: "postgresql://u@h").database == "u", "the database defaults to the user's name")
    }

    @Test(arguments: [
        ("postgresql://u@h:99999/d", "port"),
        ("postgresql://h/d", "names no user"),
        ("postgresql://u@h/d?sslmode=require", "TLS"),
        ("postgresql://u@h/d?colour=blue", "colour"),
        ("mysql://u@h/d", "not a postgresql:// URI"),
        ("postgresql://u:secret@h/d?bad", "u:***@h"),
    ])
    func badURIsAreRefusedWithASentence(uri: String, expected: String) {
        #expect {
            _ = try PostgresLocation(uri: uri)
        } throws: { error in
            let text = (error as? PostgresLocationError)?.description ?? ""
            return text.contains(expected) && !text.contains("secret")
        }
    }
}

/// Several daemons on one database: one verdict, one feed.
@Suite(.serialized, .enabled(if: PostgresCluster.available, "needs root and Debian's postgresql (scripts/setup.sh --test)"))
struct PostgresStoreTests {
    /// Two stores (two daemons) receive the same syndicated copies at the same moment, each in
    /// its own order: every story is stored exactly once, every other copy is a duplicate of
    /// that article, the feed read through either is the same and gapless, and replaying it in
    /// seq order through the single-node SQLite store gives the same verdicts (the oracle).
    @Test func twoDaemonsRacingTheSameCopiesGiveOneVerdictAndOneFeed() throws {
        let cluster = try PostgresCluster()
        let stores = try (0..<2).map { _ in try PostgresStore(uri: cluster.uri) }
        defer { for store in stores { try? store.close() } }
        #expect(stores[0].identity == stores[1].identity && !stores[0].identity.isEmpty)

        var factory = try ArticleFactory(seed: 19)
        var files: [(name: String, bytes: Data)] = []
        for story in 0..<24 {
            let original = factory.article()
            let lines = String(decoding: original, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            files.append(("s\(story)-original.txt", original))
            files.append(("s\(story)-copy.txt", original))
            files.append(("s\(story)-updated.txt", Data(("Updated at noon.\n" + lines.joined(separator: "\n")).utf8)))
            files.append(("s\(story)-cut.txt", Data(lines.dropLast(2).joined(separator: "\n").utf8)))
        }
        // Each daemon gets every file, in its own order, in batches of 16, both at once.
        let received = files
        let outcomes = Mutex<[[IngestOutcome]]>([[], []])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { daemon in
            var rng = SeededGenerator(seed: UInt64(daemon + 1))
            let order = received.shuffled(using: &rng)
            for start in stride(from: 0, to: order.count, by: 16) {
                do {
                    let batch = try order[start..<min(order.count, start + 16)].map {
                        try item($0.name, $0.bytes, claim: "2:\(daemon)-\($0.name)")
                    }
                    let result = try stores[daemon].ingest(batch, maxDistance: 7, releasing: [])
                    outcomes.withLock { $0[daemon] += result }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")

        let totals = try stores[0].totals()
        #expect(totals.articles == 24, "one article per story: \(totals)")
        #expect(totals.exactDuplicates + totals.nearDuplicates == Int64(2 * files.count - 24))
        let feeds = try stores.map { try $0.feed(since: 0, limit: 10_000) }
        #expect(feeds[0] == feeds[1], "every daemon's feed is the same feed")
        #expect(feeds[0].map(\.seq) == Array(1...Int64(2 * files.count)), "gapless, in commit order")
        // Every copy points at its own story's article.
        let articleOf = Dictionary(uniqueKeysWithValues: feeds[0].filter { $0.kind == .article }.map {
            ($0.source.split(separator: "-")[0], $0.id)
        })
        #expect(articleOf.count == 24)
        for entry in feeds[0] where entry.kind == .duplicate {
            #expect(entry.duplicateOf == articleOf[entry.source.split(separator: "-")[0]], "\(entry.source)")
        }
        // Every item's bytes come back through either store.
        let bytesByName = Dictionary(files.map { ($0.name, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        for entry in feeds[0] {
            #expect(try stores[1].item(id: entry.id)?.bytes == Array(bytesByName[entry.source] ?? Data()), "\(entry.source)")
        }
        let report = try stores[0].check()
        #expect(report.problems.isEmpty, "\(report.problems)")

        // The oracle: the same files in the feed's order through the SQLite store.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nd-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = try Store(path: directory.appendingPathComponent("oracle.sqlite").path)
        defer { try? sqlite.close() }
        let replayed = try sqlite.ingest(feeds[0].map { entry in
            try item(entry.source, bytesByName[entry.source] ?? Data(), claim: "oracle-\(entry.seq)")
        }, maxDistance: 7)
        let expected = feeds[0].map { entry -> String in
            entry.kind == .article ? "stored \(entry.id)" : "\(entry.duplicateKind?.rawValue ?? "?") of \(entry.duplicateOf ?? 0)"
        }
        let oracle = replayed.map { outcome -> String in
            switch outcome {
            case .stored(let id, _): "stored \(id)"
            case .duplicate(_, let of, let kind, _, _, _, _): "\(kind.rawValue) of \(of)"
            case .alreadyIngested: "recovered"
            }
        }
        #expect(oracle == expected)
    }

    /// A daemon that opens the store later (or restarts) loads the replica and finds copies of
    /// what others stored; a file recovered under its claim is recognised, and released claims
    /// are forgotten.
    @Test func aLateDaemonSeesWhatOthersStoredAndClaimsWorkAsInSQLite() throws {
        let cluster = try PostgresCluster()
        let first = try PostgresStore(uri: cluster.uri)
        defer { try? first.close() }
        let seeds = try Seeds.all()
        _ = try first.ingest(try seeds.map { try item($0.name, Data($0.bytes), claim: "a-\($0.name)") }, maxDistance: 7, releasing: [])
        let late = try PostgresStore(uri: cluster.uri)
        defer { try? late.close() }
        let edited = try late.ingest([try item("edited.txt", try Seeds.editedFirst(), claim: "b-1")], maxDistance: 7, releasing: [])
        guard case .duplicate(_, 1, .near, _, _, _, _) = edited[0] else { Issue.record("\(edited)"); return }
        // The first daemon's replica catches up under the lock: its own copy of the edit is found.
        let again = try first.ingest([try item("edited-again.txt", try Seeds.editedFirst() + Data(" ".utf8), claim: "a-x")],
                                     maxDistance: 7, releasing: [])
        guard case .duplicate(_, 1, _, _, _, _, _) = again[0] else { Issue.record("\(again)"); return }
        #expect(try first.ingest([try item(seeds[0].name, Data(seeds[0].bytes), claim: "a-\(seeds[0].name)")], maxDistance: 7,
                                 releasing: []) == [.alreadyIngested(seq: 1)])
        _ = try first.ingest([], maxDistance: 7, releasing: ["a-\(seeds[0].name)"])
        let copy = try first.ingest([try item(seeds[0].name, Data(seeds[0].bytes), claim: "a-\(seeds[0].name)")], maxDistance: 7,
                                    releasing: [])
        guard case .duplicate(_, 1, .exact, _, _, _, _) = copy[0] else { Issue.record("\(copy)"); return }
        #expect(try late.duplicates(of: 1)?.count == 3)
        #expect(try late.similar(try Fingerprinter().fingerprint(of: String(decoding: seeds[2].bytes, as: UTF8.self)), maxDistance: 7)
            .first.map { $0.exact && $0.id == 3 } == true)
        #expect(try late.check().problems.isEmpty)
    }

    /// `--copy-store` both ways: a SQLite store (articles, identical and edited copies as
    /// deltas, bodies through a dictionary, a quarantine record, an open claim) into PostgreSQL
    /// and back into a new SQLite file: every item, feed record, total, dictionary and the
    /// identity equal in all three; ingest goes on in the copy with the next id and seq.
    @Test func aStoreCopiedIntoPostgresAndBackIsTheSameStore() throws {
        let cluster = try PostgresCluster()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nd-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Store(path: directory.appendingPathComponent("original.sqlite").path)
        defer { try? original.close() }
        var factory = try ArticleFactory(seed: 5)
        let articles = (0..<12).map { _ in factory.article(vocabulary: 0) }
        _ = try original.ingest(try articles.enumerated().map { try item("a\($0.offset).txt", $0.element, claim: "c-a\($0.offset)") },
                                maxDistance: 7)
        let training = try original.trainDictionaries(for: nil, at: 1_795_000_000_000, recompressingAt: 6)
        #expect(!training.dictionaries.isEmpty, "a dictionary to carry over")
        var withDictionary = try item("dict.txt", factory.article(vocabulary: 0), claim: "c-dict")
        if let dictionary = training.dictionaries.first {
            withDictionary.compressedBody = try ZlibCodec.compress(withDictionary.bytes, dictionary: dictionary.bytes)
            withDictionary.dictionaryID = dictionary.id
        }
        let lines = String(decoding: articles[0], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        _ = try original.ingest([
            withDictionary,
            try item("copy.txt", articles[1], claim: "c-copy"),
            try item("edit.txt", Data(("Updated.\n" + lines.joined(separator: "\n")).utf8), claim: "c-edit"),
        ], maxDistance: 7, releasing: (0..<6).map { "c-a\($0)" })
        try original.recordQuarantine(name: "bad.bin", reason: "not text", at: 1_795_000_000_001)

        let shared = try PostgresStore(uri: cluster.uri)
        defer { try? shared.close() }
        let there = try StoreCopier.copy(from: original, to: shared, pageSize: 4)
        #expect(there.items == 15 && there.dictionaries == training.dictionaries.count && there.quarantined == 1)
        let back = try Store(path: directory.appendingPathComponent("back.sqlite").path)
        defer { try? back.close() }
        _ = try StoreCopier.copy(from: shared, to: back, pageSize: 5)

        let stores: [any CopyableStore] = [original, shared, back]
        func contents(_ store: any CopyableStore) throws -> [String] {
            var parts: [String] = []
            try store.readCopy(pageSize: 100) { part in
                switch part {
                case .header(let header):
                    parts.append("\(header.identity) \(header.counters.sorted { $0.key < $1.key }) \(header.dictionaries) "
                        + "\(header.quarantine) \(header.claims.map(\.itemId).sorted())")
                case .items(let items): parts += items.map { "\($0)" }
                }
            }
            return parts
        }
        let expected = try contents(original)
        #expect(expected.count == 16, "the header and 15 items")
        for store in stores.dropFirst() {
            #expect(try contents(store) == expected, "\(store.path)")
            #expect(try store.totals() == original.totals())
            #expect(try store.feed(since: 0, limit: 100) == original.feed(since: 0, limit: 100))
            for id in 1...Int64(15) { #expect(try store.item(id: id)?.bytes == original.item(id: id)?.bytes, "item \(id)") }
            #expect(try store.check().problems.isEmpty)
        }
        // The copies are the original store, as a spool's marker knows it.
        let reopened = try Store(path: back.path)
        #expect(reopened.identity == original.identity)
        try reopened.close()
        let reconnected = try PostgresStore(uri: cluster.uri)
        #expect(reconnected.identity == original.identity)
        try reconnected.close()
        // Into a store that holds items: refused, and nothing changes.
        #expect(throws: StoreError.self) { try StoreCopier.copy(from: original, to: shared) }
        #expect(try contents(shared) == expected)
        // Ingest goes on in the copy: the next id and seq, verdicts against the copied articles.
        let next = try shared.ingest([try item("again.txt", articles[2], claim: "c-again")], maxDistance: 7, releasing: [])
        #expect(next == [.duplicate(duplicateId: 16, of: 3, kind: .exact, distance: 0, containment: nil, path: nil, seq: 16)])
    }

    /// A batch larger than one transaction's share is committed in parts: copies whose original
    /// is in an earlier part (committed a moment before) or the same part are found all the same,
    /// and ids and seqs run on without a gap.
    @Test func aBatchCommittedInPartsFindsCopiesAcrossItsParts() throws {
        let cluster = try PostgresCluster()
        let store = try PostgresStore(uri: cluster.uri)
        defer { try? store.close() }
        var factory = try ArticleFactory(seed: 64)
        let originals = (0..<140).map { _ in factory.article() }
        var files = originals.enumerated().map { ("o\($0.offset).txt", $0.element) }
        // Copies of originals in the first part (0..<64), placed in later parts, and one in the same part.
        for index in [1, 5, 30, 63] {
            files.append(("exact\(index).txt", originals[index]))
            files.append(("edit\(index).txt", Data("Updated at noon.\n".utf8) + originals[index]))
        }
        files.insert(("early-copy.txt", originals[2]), at: 10)
        #expect(files.count > 2 * PostgresStore.itemsPerTransaction)
        let outcomes = try store.ingest(try files.map { try item($0.0, $0.1, claim: "k-\($0.0)") }, maxDistance: 7, releasing: [])
        #expect(outcomes.count == files.count)
        let byName = Dictionary(uniqueKeysWithValues: zip(files.map(\.0), outcomes))
        for index in [1, 5, 30, 63] {
            guard case .duplicate(_, let of, .exact, _, _, _, _) = byName["exact\(index).txt"],
                  case .duplicate(_, let edited, .near, _, _, _, _) = byName["edit\(index).txt"] else {
                Issue.record("copies of \(index): \(String(describing: byName["exact\(index).txt"])), \(String(describing: byName["edit\(index).txt"]))")
                continue
            }
            let expected = Int64(index + (index >= 10 ? 2 : 1))  // ids in file order; early-copy.txt sits at 10
            #expect(of == expected && edited == expected, "\(index)")
        }
        guard case .duplicate(_, 3, .exact, _, _, _, _) = byName["early-copy.txt"] else {
            Issue.record("\(String(describing: byName["early-copy.txt"]))")
            return
        }
        let feed = try store.feed(since: 0, limit: 1000)
        #expect(feed.map(\.seq) == Array(1...Int64(files.count)) && feed.map(\.id) == Array(1...Int64(files.count)))
        #expect(try store.totals().articles == 140)
        #expect(try store.check().problems.isEmpty)
    }

    /// Retention on PostgreSQL, both ways, as on SQLite: articles received before the cutoff
    /// leave the window (near copies of them are new articles again, exact copies are still
    /// caught), or leave the store with their duplicates and feed records, the totals following
    /// and `check` clean; the ids and seqs handed out are never handed out again.
    @Test func retentionRetiresOrDeletesOldArticlesAndTheTotalsFollow() throws {
        let cluster = try PostgresCluster()
        let store = try PostgresStore(uri: cluster.uri)
        defer { try? store.close() }
        var factory = try ArticleFactory(seed: 3)
        let old = (0..<4).map { _ in factory.article() }
        var aged = try old.enumerated().map { try item("old\($0.offset).txt", $0.element, claim: "o\($0.offset)") }
        for index in aged.indices { aged[index].receivedAt = 1_000 }
        _ = try store.ingest(aged, maxDistance: 7, releasing: [])
        let young = factory.article()
        _ = try store.ingest([try item("young.txt", young, claim: "y"), try item("old0-copy.txt", old[0], claim: "c")], maxDistance: 7,
                             releasing: [])
        // Out of the window: an edited copy of an old article is an article again; an identical one is still a copy.
        #expect(try store.applyRetention(receivedBefore: 2_000, delete: false).retired == 4)
        let edited = try store.ingest([try item("old1-edit.txt", Data("Updated.\n".utf8) + old[1], claim: "e"),
                                       try item("old2-copy.txt", old[2], claim: "c2")], maxDistance: 7, releasing: [])
        guard case .stored = edited[0], case .duplicate(_, 3, .exact, _, _, _, _) = edited[1] else { Issue.record("\(edited)"); return }
        #expect(try store.check().problems.isEmpty)
        // Deleted: the four old articles with their two copies and their feed records.
        let deleted = try store.applyRetention(receivedBefore: 2_000, delete: true)
        #expect(deleted.deletedArticles == 4 && deleted.deletedDuplicates == 2, "\(deleted)")
        let totals = try store.totals()
        #expect(totals.articles == 2 && totals.exactDuplicates == 0 && totals.nearDuplicates == 0, "\(totals)")
        #expect(try store.feed(since: 0, limit: 100).map(\.source) == ["young.txt", "old1-edit.txt"])
        #expect(try store.item(id: 1) == nil && store.duplicates(of: 1) == nil)
        let problems = try store.check().problems
        #expect(problems.isEmpty, "\(problems)")
        let next = try store.ingest([try item("later.txt", factory.article(), claim: "l")], maxDistance: 7, releasing: [])
        #expect(next == [.stored(articleId: 9, seq: 9)], "ids and seqs run on past the deleted ones")
    }
}
