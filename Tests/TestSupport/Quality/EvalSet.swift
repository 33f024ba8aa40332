/// One text of the evaluation set: an original, an edited re-publication of one, or an original
/// with the language's shared boilerplate block appended.
public struct EvalItem: Sendable {
    public enum Role: Equatable, Sendable {
        case original
        case variant(EditKind)
        /// The original plus a long block that many unrelated documents share, at the end.
        case boilerplated
        /// The same block at the start: a lead-only comparison would see only the block.
        case boilerplatedAtTop
        /// The original inside the language's one large block of site chrome (40-60 % of it).
        case chromeWrapped
        /// The original after one wire lede (two or three sentences) that many stories share.
        case sharedLede
    }

    /// The index of the original document this item comes from: its story.
    public let group: Int
    public let language: String
    public let topic: String
    public let role: Role
    public let text: String
}

public enum EvalSet {
    /// Every original, one variant per edit kind, and one boilerplated copy, in group order.
    /// With `heavy`, also the heavy edits, the chrome-wrapped and shared-lede copies, and the
    /// template reports with their digit variants (groups after the documents'). Deterministic
    /// for a given seed.
    public static func build(
        documents: [EvalDocument], boilerplate: [String: String], seed: UInt64 = 2026,
        edits: [EditKind] = EditKind.light, heavy: Bool = false
    ) -> [EvalItem] {
        let edits = heavy ? edits + EditKind.heavy.filter { $0 != .digits } : edits
        var rng = SeededGenerator(seed: seed)
        var byLanguage: [String: [String]] = [:]
        for document in documents { byLanguage[document.language, default: []].append(document.text) }
        var items: [EvalItem] = []
        var shared: [String: (chrome: String, lede: String)] = [:]
        for (group, document) in documents.enumerated() {
            let others = byLanguage[document.language, default: []].filter { $0 != document.text }
            let republisher = Republisher(language: document.language, others: others)
            func item(_ role: EvalItem.Role, _ text: String) -> EvalItem {
                EvalItem(group: group, language: document.language, topic: document.topic, role: role, text: text)
            }
            items.append(item(.original, document.text))
            for kind in edits {
                items.append(item(.variant(kind), republisher.apply(kind, to: document.text, using: &rng)))
            }
            if let block = boilerplate[document.language] {
                items.append(item(.boilerplated, document.text + "\n\n" + block))
                items.append(item(.boilerplatedAtTop, block + "\n\n" + document.text))
            }
            if heavy {
                let (chrome, lede) = shared[document.language] ?? {
                    let made = sharedBlocks(language: document.language, documents: byLanguage[document.language, default: []], using: &rng)
                    shared[document.language] = made
                    return made
                }()
                let cut = chrome.index(chrome.startIndex, offsetBy: chrome.count / 2)
                items.append(item(.chromeWrapped, String(chrome[..<cut]) + "\n\n" + document.text + "\n\n" + String(chrome[cut...])))
                if !document.text.hasPrefix(lede) { items.append(item(.sharedLede, lede + "\n\n" + document.text)) }
            }
        }
        guard heavy else { return items }
        for report in TemplateReports.make(using: &rng) {
            let group = items.last!.group + 1
            let topic = "template/\(report.language)/\(report.frame)"
            items.append(EvalItem(group: group, language: report.language, topic: topic, role: .original, text: report.text))
            items.append(EvalItem(group: group, language: report.language, topic: topic, role: .variant(.digits),
                                  text: Republisher.switchDigits(report.text, language: report.language)))
        }
        return items
    }

    /// A language's one chrome block (half the median document's length: 40-60 % of most) and
    /// its one wire lede (the first two or three sentences of one of its documents).
    static func sharedBlocks(language: String, documents: [String], using rng: inout SeededGenerator) -> (chrome: String, lede: String) {
        let republisher = Republisher(language: language, others: documents)
        let median = documents.map(\.count).sorted()[documents.count / 2]
        let chrome = republisher.chromeBlock(characters: median / 2, using: &rng)
        let source = documents.randomElement(using: &rng) ?? ""
        let sentences = Republisher.sentences(of: Republisher.paragraphs(of: source).first ?? "")
        let lede = sentences.prefix(Int.random(in: 2...3, using: &rng)).joined(separator: republisher.joiner)
        return (chrome, lede)
    }
}
