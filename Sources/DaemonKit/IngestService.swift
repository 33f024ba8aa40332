import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The long-running ingest loop: drain, sleep the poll interval, again. Draining runs on its own
/// thread, so a large backlog never holds up the control socket. On SIGTERM/SIGINT the loop stops
/// claiming, finishes the batch in hand and returns.
final class IngestService: Service, Sendable {
    let pipeline: IngestPipeline
    let pollInterval: Double
    let logger: Logger
    private let stopping = Atomic<Bool>(false)

    init(pipeline: IngestPipeline, pollInterval: Double, logger: Logger) {
        self.pipeline = pipeline
        self.pollInterval = pollInterval
        self.logger = logger
    }

    func run() async throws {
        let worker = NIOThreadPool(numberOfThreads: 1)
        worker.start()
        var failures = 0
        await withGracefulShutdownHandler {
            while !stopping.load(ordering: .relaxed) {
                let summary = try? await worker.runIfActive {
                    self.pipeline.drain(shouldStop: { self.stopping.load(ordering: .relaxed) })
                }
                if let summary, summary.total > 0 {
                    logger.info("pass done", metadata: [
                        "stored": "\(summary.stored)", "exact": "\(summary.exactDuplicates)",
                        "near": "\(summary.nearDuplicates)", "quarantined": "\(summary.quarantined)",
                    ])
                }
                // After a store fault, back off (doubling, at most a minute) before retrying.
                failures = (summary?.deferred ?? 0) > 0 ? failures + 1 : 0
                let delay = failures == 0 ? pollInterval : min(60, pollInterval * pow(2, Double(min(failures, 10))))
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(delay)) }
                } catch {
                    break
                }
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
        }
        try? await worker.shutdownGracefully()
        logger.info("ingest stopped")
    }
}
