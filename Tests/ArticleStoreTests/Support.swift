@testable import ArticleStore
import DedupCore
import Foundation
import TestSupport

/// A fresh directory per test, removed afterwards.
final class TempDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nd-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

func item(_ name: String, _ bytes: [UInt8], claim: String? = nil) throws -> IngestItem {
    let (text, encoding) = try TextDecoder.decode(bytes)
    var noCache: NormalizationCache? = nil
    let (fingerprint, shingles) = try Fingerprinter().analyze(text, cache: &noCache)
    return IngestItem(
        source: name, claimKey: claim ?? "claim-\(name)-\(UUID().uuidString)", bytes: bytes, encoding: encoding,
        fingerprint: fingerprint, shingles: shingles, receivedAt: 1_795_000_000_000)
}
