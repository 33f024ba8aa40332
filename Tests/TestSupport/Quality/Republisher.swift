import Foundation

/// The edits that re-publication really makes to a story. Each variant of the evaluation set
/// is its original with one of these applied; `combined` applies several light ones at once.
public enum EditKind: String, CaseIterable, Sendable {
    case readAlso = "read-also line"
    case footer = "copyright/subscribe"
    case punctuation = "quotes, punctuation"
    case nfd = "NFC to NFD"
    case zeroWidth = "zero-width joiners"
    case sentenceRemoved = "sentence removed"
    case sentenceAdded = "sentence added"
    case paragraphsSwapped = "paragraphs reordered"
    case lastParagraphCut = "last paragraph cut"
    case html = "HTML tags, entities"
    case whitespace = "whitespace, breaks"
    case combined = "several at once"
    // The heavy edits of syndication (issue 15): the top, the chrome, the length change.
    case newTop = "new headline and lede"
    case chrome = "site chrome around"
    case firstSixty = "first 60 % kept"
    case middleCut = "25 % cut from the middle"
    case update = "update: sentences and dateline"
    case allHeavy = "all heavy at once"
    case digits = "digits and dates reformatted"

    /// What the daemon has always caught (the quality gate holds these).
    public static let light: [EditKind] = [
        .readAlso, .footer, .punctuation, .nfd, .zeroWidth, .sentenceRemoved, .sentenceAdded, .paragraphsSwapped,
        .lastParagraphCut, .html, .whitespace, .combined,
    ]
    /// What re-publication does every day to the top, the chrome and the length.
    public static let heavy: [EditKind] = [.newTop, .chrome, .firstSixty, .middleCut, .update, .allHeavy, .digits]
}

/// Applies `EditKind`s to a text, deterministically from a seeded generator.
public struct Republisher {
    public let language: String
    /// Other documents in the same language: the source of added sentences and headlines.
    let others: [String]

    public init(language: String, others: [String]) {
        self.language = language
        self.others = others
    }

    public func apply(_ kind: EditKind, to text: String, using rng: inout SeededGenerator) -> String {
        var paragraphs = Self.paragraphs(of: text)
        switch kind {
        case .readAlso:
            let at = paragraphs.count / 2
            paragraphs.insert("\(Phrases.readAlso[language, default: "Read also"]): \(headline(using: &rng))", at: at)
            return paragraphs.joined(separator: "\n\n")
        case .footer:
            return paragraphs.joined(separator: "\n\n") + "\n\n" + Phrases.footer[language, default: Phrases.footer["en"]!] + "\n"
        case .punctuation:
            return Self.changePunctuation(text, using: &rng)
        case .nfd:
            return text.decomposedStringWithCanonicalMapping
        case .zeroWidth:
            return Self.insertZeroWidth(text, using: &rng)
        case .sentenceRemoved:
            var sentences = paragraphs.map(Self.sentences(of:))
            let candidates = sentences.indices.filter { sentences[$0].count > 1 }
            guard let p = candidates.randomElement(using: &rng) else { return text }
            sentences[p].remove(at: Int.random(in: 0..<sentences[p].count, using: &rng))
            return sentences.map { $0.joined(separator: joiner) }.joined(separator: "\n\n")
        case .sentenceAdded:
            var sentences = paragraphs.map(Self.sentences(of:))
            let p = Int.random(in: 0..<sentences.count, using: &rng)
            let donor = Self.sentences(of: others.randomElement(using: &rng) ?? text)
            sentences[p].insert(donor.randomElement(using: &rng) ?? "", at: Int.random(in: 0...sentences[p].count, using: &rng))
            return sentences.map { $0.joined(separator: joiner) }.joined(separator: "\n\n")
        case .paragraphsSwapped:
            guard paragraphs.count >= 2 else { return text }
            let i = Int.random(in: 0..<(paragraphs.count - 1), using: &rng)
            paragraphs.swapAt(i, i + 1)
            return paragraphs.joined(separator: "\n\n")
        case .lastParagraphCut:
            guard paragraphs.count >= 2 else { return text }
            return paragraphs.dropLast().joined(separator: "\n\n")
        case .html:
            return Self.htmlize(paragraphs, using: &rng)
        case .whitespace:
            return Self.rewrap(paragraphs, using: &rng)
        case .combined:
            var edited = apply(.readAlso, to: text, using: &rng)
            edited = apply(.footer, to: edited, using: &rng)
            edited = Self.changePunctuation(edited, using: &rng)
            return Self.rewrap(Self.paragraphs(of: edited), using: &rng)
        case .newTop, .chrome, .firstSixty, .middleCut, .update, .allHeavy, .digits:
            return applyHeavy(kind, to: text, using: &rng)
        }
    }

    var joiner: String { language == "zh" || language == "ja" ? "" : " " }

    /// The first sentence of another document, cut to at most 12 words or 30 characters.
    func headline(using rng: inout SeededGenerator) -> String {
        let first = Self.sentences(of: others.randomElement(using: &rng) ?? "").first ?? ""
        if joiner.isEmpty { return String(first.prefix(30)) }
        return first.split(separator: " ").prefix(12).joined(separator: " ")
    }

    // MARK: - Text structure

    /// Paragraphs: blocks separated by blank lines, or lines when the text has no blank line.
    public static func paragraphs(of text: String) -> [String] {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let blocks = normalized.components(separatedBy: "\n\n")
        let units = blocks.count > 1 ? blocks : normalized.components(separatedBy: "\n")
        return units.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    static let terminators: Set<Character> = [".", "!", "?", "।", "॥", "؟"]
    static let fullWidthTerminators: Set<Character> = ["。", "！", "？"]
    static let closers: Set<Character> = ["\"", "'", "”", "’", "»", ")", "」", "』"]

    /// Sentences: a full-width terminator ends one; any other terminator ends one when a space
    /// follows it (after any closing quotes).
    public static func sentences(of paragraph: String) -> [String] {
        var result: [String] = []
        var current = ""
        var pendingEnd = false
        for character in paragraph {
            if pendingEnd, character == " " {
                result.append(current)
                current = ""
                pendingEnd = false
                continue
            }
            if !closers.contains(character) { pendingEnd = false }
            current.append(character)
            if fullWidthTerminators.contains(character) {
                result.append(current)
                current = ""
            } else if terminators.contains(character) {
                pendingEnd = true
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { result.append(current) }
        return result
    }

    // MARK: - Character-level edits

    static func changePunctuation(_ text: String, using rng: inout SeededGenerator) -> String {
        var out = ""
        var openDouble = true
        for character in text {
            switch character {
            case "\"": out.append(openDouble ? "“" : "”"); openDouble.toggle()
            case "“", "”", "«", "»", "„": out.append("\"")
            case "'": out.append("’")
            case "’", "‘": out.append("'")
            case "—", "–": out.append("-")
            case "…": out.append("...")
            case ",", "،", "，", "、":
                // Editors add and drop commas: drop a third of them, change the others' form.
                if Int.random(in: 0..<3, using: &rng) == 0 { continue }
                out.append(character == "，" ? "," : character == "," ? "，" : character)
            case ":": out.append(" -")
            default: out.append(character)
            }
        }
        return out.replacingOccurrences(of: " - ", with: " — ")
    }

    static func insertZeroWidth(_ text: String, using rng: inout SeededGenerator) -> String {
        var scalars = String.UnicodeScalarView()
        var previousIsLetter = false
        for scalar in text.unicodeScalars {
            let isLetter = scalar.properties.isAlphabetic
            if isLetter, previousIsLetter, Int.random(in: 0..<12, using: &rng) == 0 {
                scalars.append(Bool.random(using: &rng) ? "\u{200D}" : "\u{200C}")
            }
            scalars.append(scalar)
            previousIsLetter = isLetter
        }
        return String(scalars)
    }

    static func htmlize(_ paragraphs: [String], using rng: inout SeededGenerator) -> String {
        let linked = Int.random(in: 0..<max(1, paragraphs.count), using: &rng)
        return paragraphs.enumerated().map { index, paragraph -> String in
            var body = paragraph
                .replacingOccurrences(of: "&", with: "&amp;")
                .replacingOccurrences(of: "\"", with: "&quot;")
                .replacingOccurrences(of: "'", with: "&#39;")
            if index == linked, let space = body.firstIndex(of: " ") {
                body = "<a href=\"https://news.example.com/2026/11/story-\(index).html\">" + body[..<space] + "</a>" + body[space...]
            }
            body = body.replacingOccurrences(of: ". ", with: ".&nbsp; ")
            return index == 0 ? "<p><strong>\(body)</strong></p>" : "<p>\(body)</p><br/>"
        }.joined(separator: "\n")
    }

    static func rewrap(_ paragraphs: [String], using rng: inout SeededGenerator) -> String {
        let width = Int.random(in: 40...80, using: &rng)
        return paragraphs.map { paragraph -> String in
            var lines: [String] = []
            var line = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                if line.count + word.count > width, !line.isEmpty { lines.append(line); line = "" }
                line += (line.isEmpty ? "" : (Int.random(in: 0..<8, using: &rng) == 0 ? "  " : " ")) + word
            }
            if !line.isEmpty { lines.append(line) }
            return lines.joined(separator: " \r\n")
        }.joined(separator: "\r\n\r\n\r\n") + "\r\n"
    }
}

/// What syndication adds, in each language of the set.
enum Phrases {
    static let readAlso: [String: String] = [
        "hi": "यह भी पढ़ें", "bn": "আরও পড়ুন", "tr": "Ayrıca okuyun", "en": "Read also",
        "ru": "Читайте также", "ar": "اقرأ أيضا", "zh": "延伸阅读", "ja": "あわせて読みたい",
    ]
    static let footer: [String: String] = [
        "hi": "© 2026 दैनिक समाचार। सर्वाधिकार सुरक्षित। ताज़ा ख़बरों के लिए हमारे न्यूज़लेटर की सदस्यता लें।",
        "bn": "© ২০২৬ দৈনিক সংবাদ। সর্বস্বত্ব সংরক্ষিত। সর্বশেষ খবরের জন্য আমাদের নিউজলেটারে সাবস্ক্রাইব করুন।",
        "tr": "© 2026 Günlük Haber. Tüm hakları saklıdır. Son haberler için bültenimize abone olun.",
        "en": "© 2026 Daily Courier. All rights reserved. Subscribe to our newsletter for the latest news.",
        "ru": "© 2026 Ежедневные новости. Все права защищены. Подпишитесь на нашу рассылку, чтобы получать последние новости.",
        "ar": "© 2026 الأخبار اليومية. جميع الحقوق محفوظة. اشترك في نشرتنا الإخبارية للحصول على آخر الأخبار.",
        "zh": "© 2026 每日新闻。版权所有。订阅我们的新闻简报，获取最新消息。",
        "ja": "© 2026 日刊ニュース。無断転載を禁じます。最新ニュースはメールマガジンでお届けします。",
    ]
}
