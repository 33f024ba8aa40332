@testable import DaemonKit
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
