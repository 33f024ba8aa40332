import ArticleStore
import ControlProtocol
import DedupCore
import Foundation
import SystemSupport

// MARK: - Read-only commands: similar, duplicates, check, metrics

extension ControlCommands {
    /// Stored articles near a fingerprint the client computed; nearest first, then `end`.
    func similar(_ request: Request, send: (Response) -> Void) {
        guard let simhashHex = request.simhash, simhashHex.count == 16, let simhash = UInt64(simhashHex, radix: 16),
              let shaHex = request.sha256, let sha256 = Self.bytes(hex: shaHex), sha256.count == 32
        else {
            return send(.error(.invalidArgument, "similar needs \"simhash\" (16 hex digits) and \"sha256\" (64 hex digits)"))
        }
        // Without "lead_simhash" (an older client) the lead lookup repeats the whole-text one.
        var leadSimhash = simhash
        if let leadHex = request.leadSimhash {
            guard leadHex.count == 16, let value = UInt64(leadHex, radix: 16) else {
                return send(.error(.invalidArgument, "\"lead_simhash\" must be 16 hex digits"))
            }
            leadSimhash = value
        }
        // Without "anchors" (an older client) copies are found on the whole text and the lead only.
        var anchors: [UInt32] = []
        for hex in request.anchors ?? [] {
            guard hex.count == 8, let value = UInt32(hex, radix: 16), anchors.count < 16 else {
                return send(.error(.invalidArgument, "\"anchors\" must be at most 16 strings of 8 hex digits"))
            }
            anchors.append(value)
        }
        let fingerprint = Fingerprint(simhash: simhash, leadSimhash: leadSimhash, sha256: sha256, tokenCount: 0, anchors: anchors)
        let maxDistance = settings.maxDistance
        let matches: [SimilarArticle]
        do {
            matches = try read { store throws(StoreError) in try store.similar(fingerprint, maxDistance: maxDistance) }
        } catch {
            return send(.error(.storeFailure, error.description))
        }
        for match in matches {
            send(.match(MatchRecord(
                id: match.id, distance: match.distance, leadDistance: match.leadDistance,
                basis: MatchBasis(match.path), exact: match.exact, source: match.source,
                receivedAt: RFC3339.string(fromMilliseconds: match.receivedAt), simhash: SimHash.hex(match.simhash))))
        }
        send(.end(count: matches.count))
    }

    /// The duplicates recorded for an article, oldest first, then `end`.
    func duplicates(_ request: Request, send: (Response) -> Void) {
        guard let id = request.id, id > 0 else { return send(.error(.invalidArgument, "duplicates needs a positive \"id\"")) }
        let rows: [DuplicateEntry]?
        do {
            rows = try read { store throws(StoreError) in try store.duplicates(of: id) }
        } catch {
            return send(.error(.storeFailure, error.description))
        }
        guard let rows else { return send(.error(.notFound, "no article \(id)")) }
        for row in rows {
            send(.duplicate(DuplicateReply(
                id: row.id, kind: WireDuplicateKind(row.kind), distance: row.distance, containment: row.containment,
                matchedOn: row.path.map(MatchedOn.init), source: row.source,
                receivedAt: RFC3339.string(fromMilliseconds: row.receivedAt), sha256: row.sha256.hexString,
                simhash: SimHash.hex(row.simhash))))
        }
        send(.end(count: rows.count))
    }

    func check() -> Response {
        do {
            var report = try read { store throws(StoreError) in try store.check() }
            // The tables can be sound in a file that is no longer the store at its path.
            do {
                try read { store throws(StoreError) in try store.verifyFiles() }
            } catch {
                report.problems.append(error.description)
            }
            return .check(CheckReport(
                ok: report.isSound, integrity: report.integrity, problems: report.problems,
                articles: report.articles, duplicates: report.duplicates, feedRecords: report.feedRecords))
        } catch {
            return .error(.storeFailure, error.description)
        }
    }

    /// Prometheus text, for `metrics` and the HTTP listener: the in-process series, the store's
    /// totals and the daemon's gauges.
    func metricsExposition() -> String {
        let totals = (try? read { store throws(StoreError) in try store.totals() }) ?? state.lastTotals
        let health = state.health
        let paused: Double = state.isPaused ? 1 : 0
        let degraded: Double = health == .degraded ? 1 : 0
        let backlog = Double(waitingFiles())
        var gauges: [Metrics.Gauge] = [
            .init("newsdedup_backlog_files", "Files waiting in the inbox or claimed in processing/.", backlog),
            .init("newsdedup_degraded", "1 while the store is failing.", degraded),
            .init("newsdedup_paused", "1 while claiming is paused.", paused),
            .init("newsdedup_uptime_seconds", "Seconds since the daemon started.", state.uptimeSeconds),
            .init("newsdedup_last_seq", "Sequence number of the newest feed record.", Double(totals.lastSeq)),
            .init("newsdedup_store_articles", "Articles in the store now.", Double(totals.articles)),
        ]
        let duplicates = "Duplicates recorded in the store now, by kind."
        gauges.append(.init("newsdedup_store_duplicates", "{kind=\"exact\"}", duplicates, Double(totals.exactDuplicates)))
        gauges.append(.init("newsdedup_store_duplicates", "{kind=\"near\"}", duplicates, Double(totals.nearDuplicates)))
        let bytes = "Bytes of the stored articles now, as received and compressed."
        gauges.append(.init("newsdedup_store_bytes", "{kind=\"raw\"}", bytes, Double(totals.rawBytes)))
        gauges.append(.init("newsdedup_store_bytes", "{kind=\"stored\"}", bytes, Double(totals.storedBytes)))
        return metrics.render(gauges: gauges)
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
