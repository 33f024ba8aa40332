/// The script an article is mostly written in (ISO 15924 codes), which chooses its preset
/// dictionary: articles in one script share letters, syllables and common words, so one
/// dictionary serves them; Turkish and English share Latin's.
public enum WritingScript: String, Sendable, CaseIterable, Codable {
    case latin = "Latn", cyrillic = "Cyrl", greek = "Grek", arabic = "Arab", hebrew = "Hebr"
    case devanagari = "Deva", bengali = "Beng", thai = "Thai", han = "Hani", japanese = "Jpan", hangul = "Hang"
    /// None of the above is the majority of the letters (or there are none).
    case other = "Zyyy"

    /// The script of most letters in `text`. Japanese is Han with kana among it (a tenth or
    /// more of the Han and kana letters): kanji alone cannot tell it from Chinese.
    public static func dominant(in text: String) -> WritingScript {
        var counts = [Int](repeating: 0, count: allCases.count)
        var kana = 0
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x41 { continue }
            if (0x3040...0x30FF).contains(value) { kana += 1; continue }
            guard let script = of(value) else { continue }
            counts[allCases.firstIndex(of: script)!] += 1
        }
        let hanIndex = allCases.firstIndex(of: .han)!
        let letters = counts.reduce(0, +) + kana
        guard letters > 0 else { return .other }
        if kana > 0, kana * 10 >= counts[hanIndex] + kana {
            counts[allCases.firstIndex(of: .japanese)!] = counts[hanIndex] + kana
            counts[hanIndex] = 0
        }
        let best = counts.indices.max { counts[$0] < counts[$1] }!
        return counts[best] * 2 > letters ? allCases[best] : .other
    }

    private static func of(_ value: UInt32) -> WritingScript? {
        switch value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF: .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: .greek
        case 0x400...0x52F: .cyrillic
        case 0x590...0x5FF: .hebrew
        case 0x600...0x6FF, 0x750...0x77F, 0xFB50...0xFDFF, 0xFE70...0xFEFF: .arabic
        case 0x900...0x97F: .devanagari
        case 0x980...0x9FF: .bengali
        case 0xE00...0xE7F: .thai
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF: .han
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: .hangul
        default: nil
        }
    }
}
