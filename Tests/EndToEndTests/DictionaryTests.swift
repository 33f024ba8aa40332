@testable import ArticleStore
import ControlProtocol
import DedupCore
import Foundation
import Glibc
import GRDB
import TestSupport
import Testing

/// Issue 18, part 1: preset dictionaries through the real daemon. Once 32 KiB of a script's
/// text is stored without one, the daemon trains its first dictionary from the store and
/// compresses the next bodies with it; every body still comes back byte for byte through
/// `show`, the bodies stored before it are compressed again with it, a near copy of a
/// dictionary-compressed article is still confirmed (its stored text is read back), and
/// `--train-dictionaries` adds a newer one while old bodies stay readable.
@Suite(.serialized) struct DictionaryTests {
    @Test func bodiesCompressedWithATrainedDictionaryComeBackByteForByte() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        var factory = try ArticleFactory(seed: 18)
        var dropped: [Data] = []
        for round in 0..<2 {
            for index in 0..<8 {
                let article = factory.article(vocabulary: 0)
                dropped.append(article)
                try workspace.drop("a-\(round)-\(index).txt", article)
            }
            _ = try daemon.waitForProcessed(Int64(dropped.count))
        }
        // A near copy of the newest article: a line of it changed.
        let last = try #require(dropped.last)
        var copy = String(decoding: last, as: UTF8.self)
        copy.insert(contentsOf: "Updated at noon.\n", at: copy.startIndex)
        try workspace.drop("copy.txt", Data(copy.utf8))
        let status = try daemon.waitForProcessed(Int64(dropped.count + 1))
        #expect(status.articles == Int64(dropped.count) && status.nearDuplicates == 1, "\(status)")
        for (index, article) in dropped.enumerated() {
            let shown = try ctl(workspace, "show", "\(index + 1)")
            #expect(shown.status == 0 && shown.stdout == article, "article \(index + 1)")
        }
        #expect(try daemon.stop() == 0)

        let first = try Store(path: workspace.store)
        let dictionaries = first.currentDictionaries()
        defer { try? first.close() }
        let script = WritingScript.dominant(in: String(decoding: dropped[0], as: UTF8.self))
        let trained = try #require(dictionaries[script], "no dictionary for \(script) after \(dropped.count) articles")
        #expect(trained.bytes.count == PresetDictionary.maximumSize)
        let compressedWithIt = try first.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM body WHERE dictionary_id = ?", arguments: [trained.id]) ?? 0
        }
        // The second round's bodies were compressed with it, and the first round's, stored
        // before it, were compressed again with it when it was trained.
        #expect(compressedWithIt == dropped.count, "bodies with the dictionary: \(compressedWithIt) of \(dropped.count)")

        let retrained = try run(Binaries.daemon, ["--train-dictionaries", "--inbox", workspace.inbox.path, "--store", workspace.store,
                                                  "--socket", workspace.socket])
        #expect(retrained.status == 0 && retrained.text.contains("trained 1 dictionaries"), "\(retrained.text) \(retrained.stderr)")
        let store = try Store(path: workspace.store)
        defer { try? store.close() }
        #expect((store.currentDictionaries()[script]?.id ?? 0) > trained.id)
        for (index, article) in dropped.enumerated() {
            #expect(try store.item(id: Int64(index + 1))?.bytes == Array(article), "article \(index + 1) after retraining")
        }
        #expect(try store.check().problems.isEmpty)
    }
}
