import Foundation
import Glibc
import Synchronization

/// `--once` on a terminal: one line on standard error, redrawn at most ten times a second,
/// with the count, the rate and the time left. Silent when standard error is not a terminal.
final class ProgressBar: Sendable {
    private let start = ContinuousClock.now
    private struct Drawing {
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
    }
    /// Updated from the commit's progress callback; one writer at a time in practice.
    private let drawing = Mutex(Drawing())
    let enabled: Bool

    init(enabled: Bool = isatty(STDERR_FILENO) == 1) { self.enabled = enabled }

    func update(done: Int, total: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let due = drawing.withLock { drawing in
            if let last = drawing.lastDraw, now - last < .milliseconds(100) { return false }
            drawing.lastDraw = now
            return true
        }
        if due { draw(done: done, total: max(total, done), now: now) }
    }

    func finish(done: Int) {
        guard enabled, drawing.withLock({ $0.drawn }) else { return }
        draw(done: done, total: done, now: .now)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(done: Int, total: Int, now: ContinuousClock.Instant) {
        let elapsed = now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let eta = rate > 0 && total > done ? String(format: "ETA %.0f s", Double(total - done) / rate) : "        "
        let line = String(format: "\r[%@%@] %d/%d files  %.0f/s  %@",
                          String(repeating: "#", count: filled), String(repeating: ".", count: width - filled),
                          done, total, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
        drawing.withLock { $0.drawn = true }
    }
}
