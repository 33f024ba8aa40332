@testable import DaemonKit
import Testing

@Suite struct DaemonStateTests {
    @Test func aFaultOutranksAPauseUntilTheSameOperationWorksAgain() {
        let state = DaemonState()
        #expect(state.health == .running)
        #expect(state.setPaused(true))
        #expect(!state.setPaused(true), "already paused")
        #expect(state.health == .paused)
        #expect(state.set(.quarantine, "quarantine failed: ENOSPC"))
        #expect(!state.set(.quarantine, "quarantine failed: ENOSPC"), "same message: not new")
        #expect(state.health == .degraded)
        #expect(state.lastError == "quarantine failed: ENOSPC")
        #expect(!state.isDegraded, "only a store fault stops claiming")
        state.degrade("disk I/O error")
        #expect(state.isDegraded)
        #expect(state.lastError == "disk I/O error", "the latest fault is the one shown")
        state.recover()
        #expect(state.lastError == "quarantine failed: ENOSPC")
        #expect(state.clear(.quarantine))
        #expect(!state.clear(.quarantine))
        #expect(state.health == .paused)
        #expect(state.lastError == nil)
    }

    @Test func theBacklogFollowsWhatLeavesIt() {
        let state = DaemonState()
        state.setBacklog(10, oldestModified: 1)
        state.takeFromBacklog(4)
        #expect(state.backlog == 6)
        #expect(state.oldestBacklogAge != nil)
        state.takeFromBacklog(100)
        #expect(state.backlog == 0)
        #expect(state.oldestBacklogAge == nil, "nothing waits, so nothing is oldest")
    }

    @Test func commitsAreCountedForTheLastMinuteAndMoveTheFollowersGeneration() {
        let state = DaemonState()
        let generation = state.commits.generation
        state.noteCommit(files: 3)
        state.noteCommit(files: 4)
        #expect(state.filesLastMinute == 7)
        #expect(state.commits.generation == generation + 2)
    }
}

@Suite struct CorruptStoreStateTests {
    @Test func aDamagedStoreStaysDegradedThroughLaterCommits() {
        let state = DaemonState()
        state.markCorrupt("SQLite: database disk image is malformed (SQLITE_CORRUPT)")
        #expect(state.isCorrupt && state.isDegraded && state.health == .degraded)
        state.recover()
        #expect(state.isDegraded, "a commit that somehow went through does not clear damage")
        #expect(state.lastError?.contains("restore a good copy") == true)
    }
}
