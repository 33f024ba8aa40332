public import Foundation

/// One original document of the evaluation corpus (Benchmarks/Quality/corpus, built by
/// scripts/build_eval_set.py).
public struct EvalDocument: Sendable {
    /// "hi/eld-003": language folder and file name.
    public let id: String
    /// ISO 639-1 code: hi, bn, tr, en, ru, ar, zh, ja.
    public let language: String
    /// Documents cut from one chapter, book or novel share a topic: the hard negatives.
    public let topic: String
    public let text: String
}

public enum EvalCorpus {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Benchmarks/Quality/corpus")

    /// The languages in the order the report prints them.
    public static let languages = ["hi", "bn", "tr", "en", "ru", "ar", "zh", "ja"]

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Every document listed in MANIFEST.tsv, and each language's boilerplate block.
    public static func load(from directory: URL = directory) throws -> (documents: [EvalDocument], boilerplate: [String: String]) {
        let manifest = try String(contentsOf: directory.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        var documents: [EvalDocument] = []
        for line in manifest.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3 else { throw LoadError(description: "MANIFEST.tsv: bad line \(line)") }
            let text = try String(contentsOf: directory.appendingPathComponent(fields[0] + ".txt"), encoding: .utf8)
            documents.append(EvalDocument(id: fields[0], language: fields[1], topic: fields[2], text: text))
        }
        var boilerplate: [String: String] = [:]
        for language in Set(documents.map(\.language)) {
            boilerplate[language] = try String(
                contentsOf: directory.appendingPathComponent("\(language)/boilerplate.txt"), encoding: .utf8)
        }
        return (documents, boilerplate)
    }
}
