@testable import DaemonKit
import ArticleStore
import Foundation
import Glibc
import Testing

@Suite struct SmallPartsTests {
    @Test func followerSlotsAdmitUpToTheirCapacity() {
        let slots = FollowerSlots(capacity: 2)
        #expect(slots.take())
        #expect(slots.take())
        #expect(!slots.take(), "a third follower is refused, not queued")
        slots.give()
        #expect(slots.take())
    }

    @Test func aBatchCountsAddUpButAPassKeepsOnlyItsLatestWaitingFiles() {
        var batch = DrainSummary()
        batch.stored = 2
        batch.changing = 1
        batch.deferred = 3
        var pass = DrainSummary()
        pass.count(batch)
        pass.count(batch)
        #expect(pass.stored == 4 && pass.changing == 2 && pass.deferred == 6)
        var total = DrainSummary()
        total.add(pass)
        total.add(pass)
        #expect(total.stored == 8)
        #expect(total.deferred == 6 && total.changing == 2, "what still waits is the latest pass's")
        #expect(total.total == 8)
    }

    @Test func configurationKeysAreReadWithTheirLines() throws {
        let text = """
            # a comment: not a key
            inbox: /srv/in
            "batch_size": 5
              nested: no
            - item: no
            ---
            batch_szie: 7
            """
        #expect(ConfigFileKeys.topLevel(in: text).map(\.key) == ["inbox", "batch_size", "batch_szie"])
        #expect(ConfigFileKeys.topLevel(in: text).map(\.line) == [2, 3, 7])
        #expect(throws: SettingsError.self) {
            try ConfigFileKeys.checkKnown(text, file: "x.yaml", known: ["inbox", "batch_size"])
        }
        do {
            try ConfigFileKeys.checkKnown(text, file: "x.yaml", known: ["inbox", "batch_size"])
        } catch {
            #expect(error.key == "batch_szie")
            #expect(error.message.hasPrefix("x.yaml line 7: not a setting"))
        }
    }
}

@Suite struct BackupDestinationTests {
    @Test func aDefaultBackupIsNamedByItsTimeBesideTheStore() {
        #expect(BackupDestination.stamp(Date(timeIntervalSince1970: 1_796_013_893.123)) == "20261130T044453Z")
        #expect(BackupDestination.directory(store: "/var/lib/newsdedup/store.sqlite") == "/var/lib/newsdedup/backups")
        #expect(BackupDestination.directory(store: "store.sqlite") == "./backups")
    }

    @Test func aDestinationTheUnitForbidsGetsAHint() {
        let readOnly = StoreError(message: "cannot create /srv/b.sqlite: \(String(cString: strerror(EROFS)))", kind: .destination)
        #expect(BackupDestination.hint(for: readOnly).contains("back up without a path"))
        let missing = StoreError(message: "cannot create /srv/b.sqlite: \(String(cString: strerror(ENOENT)))", kind: .destination)
        #expect(BackupDestination.hint(for: missing).isEmpty)
    }
}
