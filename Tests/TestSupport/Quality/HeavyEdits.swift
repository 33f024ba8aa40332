import Foundation

/// The heavy edits of issue 15: what syndication does to the top, the chrome and the length of
/// a story, each deterministic from the seeded generator.
extension Republisher {
    func applyHeavy(_ kind: EditKind, to text: String, using rng: inout SeededGenerator) -> String {
        var paragraphs = Self.paragraphs(of: text)
        switch kind {
        case .newTop:
            // Another outlet's headline, and its own first sentence in place of the lede's.
            var sentences = paragraphs.map(Self.sentences(of:))
            if !sentences.isEmpty, !sentences[0].isEmpty { sentences[0][0] = donorSentence(using: &rng) }
            return headline(using: &rng) + "\n\n" + sentences.map { $0.joined(separator: joiner) }.joined(separator: "\n\n")
        case .chrome:
            // Navigation and other stories' headlines, 15-30 % of the article, above and below.
            let share = Double.random(in: 0.15...0.30, using: &rng)
            let block = chromeBlock(characters: Int(Double(text.count) * share), using: &rng)
            let cut = block.index(block.startIndex, offsetBy: block.count / 2)
            return String(block[..<cut]) + "\n\n" + text + "\n\n" + String(block[cut...])
        case .firstSixty:
            return Self.keepShare(paragraphs, 0.6)
        case .middleCut:
            var sentences = paragraphs.flatMap(Self.sentences(of:))
            let remove = max(1, sentences.count / 4)
            let start = max(1, (sentences.count - remove) / 2)
            sentences.removeSubrange(start..<min(sentences.count, start + remove))
            return sentences.joined(separator: joiner)
        case .update:
            var sentences = paragraphs.map(Self.sentences(of:))
            for _ in 0..<2 {
                let p = Int.random(in: 0..<sentences.count, using: &rng)
                sentences[p].insert(donorSentence(using: &rng), at: Int.random(in: 0...sentences[p].count, using: &rng))
            }
            let dateline = "\(Phrases.updated[language, default: "Updated"]) \(Int.random(in: 1...28, using: &rng)).11.2026 "
                + "\(Int.random(in: 10...23, using: &rng)):\(Int.random(in: 10...59, using: &rng))"
            return dateline + "\n\n" + sentences.map { $0.joined(separator: joiner) }.joined(separator: "\n\n")
        case .allHeavy:
            var edited = applyHeavy(.newTop, to: text, using: &rng)
            edited = applyHeavy(.update, to: edited, using: &rng)
            edited = apply(.readAlso, to: edited, using: &rng)
            edited = applyHeavy(.chrome, to: edited, using: &rng)
            paragraphs = Self.paragraphs(of: edited)
            return Self.htmlize(paragraphs, using: &rng)
        case .digits:
            return Self.switchDigits(text, language: language)
        default:
            return apply(kind, to: text, using: &rng)
        }
    }

    /// A sentence of another document of the language.
    func donorSentence(using rng: inout SeededGenerator) -> String {
        Self.sentences(of: others.randomElement(using: &rng) ?? "").randomElement(using: &rng) ?? ""
    }

    /// Site chrome of about `characters`: the language's navigation words and the headlines
    /// of other stories, one per line.
    func chromeBlock(characters: Int, using rng: inout SeededGenerator) -> String {
        var lines: [String] = [Phrases.navigation[language, default: Phrases.navigation["en"]!]]
        var length = lines[0].count
        while length < characters {
            let line = headline(using: &rng)
            lines.append(line)
            length += line.count + 1
        }
        return lines.joined(separator: "\n")
    }

    /// The first `share` of the text by characters, cut at a sentence.
    static func keepShare(_ paragraphs: [String], _ share: Double) -> String {
        let total = paragraphs.map(\.count).reduce(0, +)
        var kept: [String] = []
        var length = 0
        for paragraph in paragraphs {
            var taken: [String] = []
            for sentence in Self.sentences(of: paragraph) where Double(length) < Double(total) * share {
                taken.append(sentence)
                length += sentence.count
            }
            if !taken.isEmpty { kept.append(taken.joined(separator: " ")) }
        }
        return kept.joined(separator: "\n\n")
    }

    /// Latin digits to the language's own (Devanagari, Bengali, Arabic-Indic; full-width for
    /// Chinese and Japanese) and the language's own to Latin; dates D.M.YYYY become YYYY-MM-DD.
    static func switchDigits(_ text: String, language: String) -> String {
        let zero: UInt32? = ["hi": 0x0966, "bn": 0x09E6, "ar": 0x0660, "zh": 0xFF10, "ja": 0xFF10][language]
        var reformatted = text
        if let regex = try? NSRegularExpression(pattern: "\\b(\\d{1,2})\\.(\\d{1,2})\\.(\\d{4})\\b") {
            let range = NSRange(reformatted.startIndex..., in: reformatted)
            reformatted = regex.stringByReplacingMatches(in: reformatted, range: range, withTemplate: "$3-$2-$1")
        }
        var scalars = String.UnicodeScalarView()
        for scalar in reformatted.unicodeScalars {
            let v = scalar.value
            if let zero, (0x30...0x39).contains(v) {
                scalars.append(Unicode.Scalar(zero + v - 0x30)!)
            } else if let zero, (zero...(zero + 9)).contains(v) {
                scalars.append(Unicode.Scalar(0x30 + v - zero)!)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}

extension Phrases {
    static let updated: [String: String] = [
        "hi": "अपडेट:", "bn": "হালনাগাদ:", "tr": "Güncellendi:", "en": "Updated:", "ru": "Обновлено:",
        "ar": "تحديث:", "zh": "更新：", "ja": "更新：",
    ]
    static let navigation: [String: String] = [
        "hi": "होम | देश | विदेश | राज्य | खेल | मनोरंजन | व्यापार | टेक | ई-पेपर | वीडियो | फोटो | लॉगिन",
        "bn": "প্রচ্ছদ | জাতীয় | আন্তর্জাতিক | খেলা | বিনোদন | অর্থনীতি | প্রযুক্তি | ছবি | ভিডিও | ই-পেপার",
        "tr": "Ana Sayfa | Gündem | Dünya | Ekonomi | Spor | Magazin | Teknoloji | Sağlık | Video | Foto Galeri",
        "en": "Home | World | Politics | Business | Sport | Culture | Science | Opinion | Video | Newsletters | Sign in",
        "ru": "Главная | Политика | Экономика | В мире | Общество | Спорт | Культура | Наука | Видео | Фото",
        "ar": "الرئيسية | أخبار | سياسة | اقتصاد | رياضة | ثقافة | تكنولوجيا | صحة | فيديو | صور",
        "zh": "首页 | 国内 | 国际 | 财经 | 体育 | 娱乐 | 科技 | 军事 | 视频 | 图片",
        "ja": "トップ | 国内 | 国際 | 経済 | スポーツ | エンタメ | IT | 科学 | 動画 | 写真",
    ]
}
