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
    /// Deterministic for a given seed.
    public static func build(
        documents: [EvalDocument], boilerplate: [String: String], seed: UInt64 = 2026,
        edits: [EditKind] = EditKind.allCases
    ) -> [EvalItem] {
        var rng = SeededGenerator(seed: seed)
        var byLanguage: [String: [String]] = [:]
        for document in documents { byLanguage[document.language, default: []].append(document.text) }
        var items: [EvalItem] = []
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
        }
        return items
    }
}
