import ArgumentParser
import ControlProtocol
import DedupCore
import Foundation

struct Similar: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored articles near a file's fingerprint, nearest first. Stores nothing.",
        discussion: "The file is fingerprinted here, exactly as the daemon would, and only the fingerprint is sent.")

    @ParentCommand var parent: NewsDedupCtl
    @Argument(help: "The article file to look up.") var file: String
    @Flag(help: "One JSON object per match.") var json = false

    func run() throws {
        let analysis = Self.analyze(file)
        let fingerprint = analysis.fingerprint, shingles = analysis.shingles
        withDaemon(socket: parent.socketPath) { client throws(ControlClient.Failure) in
            try client.send(Request(
                command: .similar, simhash: fingerprint.simhashHex, sha256: fingerprint.sha256.hexString,
                leadSimhash: fingerprint.leadSimhashHex, anchors: fingerprint.anchors.map(Self.hex)))
            var matches: [MatchRecord] = []
            try client.receiveList(MatchRecord.self) { match throws(ControlClient.Failure) in matches.append(match) }
            // Every near candidate is a duplicate only if the texts confirm it, as at ingest:
            // fetch the stored text and compute the shingle containment here.
            var rows: [[String]] = []
            for match in matches {
                var containment: Double?
                if !match.exact {
                    try client.send(Request(command: .show, id: match.id))
                    let article = try client.receive(ItemReply.self)
                    var noCache: NormalizationCache? = nil
                    containment = (try? TextDecoder.decode(Array(article.body ?? Data())).text)
                        .flatMap { try? Fingerprinter().analyze($0, cache: &noCache).shingles.containment(shingles) } ?? 0
                }
                let duplicate = containment.map { $0 >= NearDuplicateThreshold.minimumContainment } ?? true
                if json {
                    try printJSON(SimilarLine(match: match, containment: containment, duplicate: duplicate))
                    continue
                }
                let verdict = switch containment {
                case nil: "exact"
                case let score?:
                    "\(match.basis?.rawValue ?? "whole"), contains \(formatScore(score))" + (duplicate ? "" : ": not a duplicate")
                }
                rows.append(["\(match.id)", "\(match.distance)", verdict, match.receivedAt, match.source])
            }
            guard !json else { return }
            if rows.isEmpty {
                print("no stored article near \(file) (simhash \(fingerprint.simhashHex))")
            } else {
                printTable(["ID", "DISTANCE", "MATCH", "RECEIVED", "SOURCE"], rows)
            }
        }
    }
}

/// `similar --json`: the daemon's match, with the containment computed for a near candidate
/// and whether the file would be recorded as a duplicate of it.
extension Similar {
    /// An anchor as the request carries it: 8 lowercase hex digits.
    static func hex(_ anchor: UInt32) -> String {
        let digits = String(anchor, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The file's fingerprint and shingles, as ingest would compute them; exits on failure.
    /// (A function of its own: built inline, the release compiler of Swift 6.3 crashed on the
    /// captures of the closure below.)
    static func analyze(_ file: String) -> (fingerprint: Fingerprint, shingles: ShingleSet) {
        let bytes = readWhole(file, failing: 1)
        do {
            var noCache: NormalizationCache? = nil
            return try Fingerprinter().analyze(try TextDecoder.decode(bytes).text, cache: &noCache)
        } catch {
            fail("\(file): \(error)", code: 1)
        }
    }
}

struct SimilarLine: Encodable {
    let match: MatchRecord
    let containment: Double?
    let duplicate: Bool

    func encode(to encoder: any Encoder) throws {
        try match.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(containment, forKey: .containment)
        try c.encode(duplicate, forKey: .duplicate)
    }

    enum Keys: String, CodingKey { case containment, duplicate }
}
