public import Foundation

/// The repository's sample articles (seeds/), found from this file's location.
public enum Seeds {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("seeds")

    /// The seed file names, sorted.
    public static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    }

    public static func bytes(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    public static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Every seed as (name, bytes).
    public static func all() throws -> [(name: String, bytes: [UInt8])] {
        try names.map { ($0, Array(try bytes($0))) }
    }

    /// Seed 000 without its two "पढ़ें…" (read also) lines: a light edit. Compared as bytes:
    /// the visarga after "पढ़ें" extends its last grapheme, so `hasPrefix` would say no.
    public static func editedFirst() throws -> Data {
        let text = try Self.text(names[0])
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.utf8.starts(with: "पढ़ें".utf8) }
        return Data(kept.joined(separator: "\n").utf8)
    }
}
