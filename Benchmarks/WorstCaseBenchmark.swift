import DedupCore
import Foundation

/// `newsdedup-bench worst [--mib N]`: the slowest inputs known for the normaliser, at N MiB
/// (default 16, the daemon's default size cap), decoded, stripped of markup and fingerprinted
/// as the daemon does. Each must take at most 2 s on one core (issue 14); before the fix
/// 16 MiB of U+FDFA took 335 s, because Foundation's NFKC is worse than linear on one long
/// "word", and the normaliser now works on pieces of it.
enum WorstCaseBenchmark {
    static func run(arguments: [String]) throws {
        let mib = arguments.firstIndex(of: "--mib").flatMap { Int(arguments[$0 + 1]) } ?? 16
        let bytes = mib << 20
        print("worst-case normalisation, \(mib) MiB each, one core (release build)")
        print("input\tseconds\tMB/s\ttokens")
        for (name, unit) in inputs {
            let text = String(repeating: unit, count: max(1, bytes / unit.utf8.count))
            let started = ContinuousClock.now
            var cache: NormalizationCache? = NormalizationCache()
            let result = try? Fingerprinter().analyze(text, cache: &cache, budget: nil)
            let elapsed = started.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = Double(text.utf8.count) / 1e6 / seconds
            print("\(name)\t\(String(format: "%.2f", seconds))\t\(String(format: "%.1f", rate))\t\(result?.fingerprint.tokenCount ?? 0)")
        }
    }

    /// Each repeated to fill the size: ligatures NFKC expands many times over, scripts that
    /// compose algorithmically or through marks, long words with no stable boundary, markup.
    static let inputs: [(String, String)] = [
        ("U+FDFA ligature (NFKC x18)", "\u{FDFA}"),
        ("Hangul jamo L+V+T", "\u{1100}\u{1161}\u{11A8}"),
        ("Hangul jamo V only", "\u{1161}"),
        ("combining marks on one base", "a" + String(repeating: "\u{0301}\u{0323}", count: 8)),
        ("Devanagari with nukta", "क\u{093C}ि"),
        ("full-width Latin", "ＡＢＣ"),
        ("Arabic presentation forms", "\u{FEF5}\u{FEF7}"),
        ("Latin, one long word", "abcdefgh"),
        ("markup: unclosed tags", "<a <b "),
        ("markup: entities", "&amp;&#x41;&quot;"),
        ("Chinese", "新闻报道"),
    ]
}
