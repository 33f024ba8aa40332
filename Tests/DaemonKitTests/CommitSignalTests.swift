@testable import DaemonKit
import Synchronization
import Testing

/// Followers wait for commits as suspended tasks: woken by a commit, by shutdown, or by their
/// timeout, never left waiting.
@Suite struct CommitSignalTests {
    @Test func aCommitWakesEveryWaiter() async {
        let signal = CommitSignal()
        let generation = signal.generation
        let woken = NextIndex()  // a shared counter
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                // An hour: only the commit can end these waits.
                group.addTask {
                    await signal.wait(after: generation, timeout: .seconds(3600))
                    woken.value.add(1, ordering: .relaxed)
                }
            }
            // Notify until every waiter has gone on (a waiter that registers after a notify sees
            // the generation moved and does not wait at all).
            while woken.value.load(ordering: .relaxed) < 8 {
                signal.notify()
                await Task.yield()
            }
        }
        #expect(woken.value.load(ordering: .relaxed) == 8)
        #expect(signal.generation > generation)
    }

    @Test func aWaitAfterAnOlderGenerationReturnsAtOnce() async {
        let signal = CommitSignal()
        let old = signal.generation
        signal.notify()
        await signal.wait(after: old, timeout: .seconds(3600))
    }

    @Test func shutdownWakesWaitersAndLaterWaitsDoNotWait() async {
        let signal = CommitSignal()
        let generation = signal.generation
        async let waiting: Void = signal.wait(after: generation, timeout: .seconds(3600))
        await Task.yield()
        signal.stop()
        await waiting
        await signal.wait(after: signal.generation, timeout: .seconds(3600))
    }

    @Test func aWaitEndsAtItsTimeoutWithoutACommit() async {
        let signal = CommitSignal()
        let generation = signal.generation
        await signal.wait(after: generation, timeout: .milliseconds(10))
        #expect(signal.generation == generation)
    }
}
