/// Precision, recall and F1 of near-duplicate decisions over every pair of the evaluation set,
/// at each distance threshold, overall and per slice (script, edit kind, hard negatives).
///
/// Pairs: an original and one of its own variants is a positive; any two items of different
/// stories is a negative. Two variants of one story, or an original and its boilerplated copy,
/// are neither and are not counted. A pair is predicted a duplicate at threshold K when its
/// SimHash distance is at most K and, if a confirming check is given, the check agrees.
public struct QualityReport: Sendable {
    public static let thresholds = Array(0...12)

    public struct Counts: Sendable {
        public var positives = 0
        /// Indexed by threshold.
        public var truePositives = [Int](repeating: 0, count: QualityReport.thresholds.count)
        public var falsePositives = [Int](repeating: 0, count: QualityReport.thresholds.count)
        /// How many negative pairs the slice holds.
        public var negatives = 0
        /// The smallest distance between two different stories, and the largest between a story
        /// and its variant: the gap a threshold has to fall in.
        public var closestNegative = Int.max
        public var farthestPositive = 0

        public func precision(_ k: Int) -> Double {
            let predicted = truePositives[k] + falsePositives[k]
            return predicted == 0 ? 1 : Double(truePositives[k]) / Double(predicted)
        }

        public func recall(_ k: Int) -> Double {
            positives == 0 ? 1 : Double(truePositives[k]) / Double(positives)
        }

        public func f1(_ k: Int) -> Double {
            let p = precision(k), r = recall(k)
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
    }

    /// "all", "script hi", "edit read-also line", "hard same topic", "hard shared boilerplate".
    public static let sliceNames: [String] = ["all"] + EvalCorpus.languages.map { "script \($0)" }
        + EditKind.allCases.map { "edit \($0.rawValue)" }
        + ["hard same topic", "hard shared boilerplate", "hard shared opening", "hard shared chrome", "hard wire lede",
           "hard template report"]
    static let scriptSlice = 1
    static let editSlice = scriptSlice + EvalCorpus.languages.count
    static let sameTopicSlice = editSlice + EditKind.allCases.count
    static let boilerplateSlice = sameTopicSlice + 1
    static let openingSlice = boilerplateSlice + 1
    static let chromeSlice = openingSlice + 1
    static let ledeSlice = chromeSlice + 1
    static let templateSlice = ledeSlice + 1

    private var counts = [Counts](repeating: Counts(), count: QualityReport.sliceNames.count)
    /// Different-story pairs judged duplicates at the `falseAt` threshold (items' indices).
    public private(set) var falsePairs: [(Int, Int)] = []

    /// A slice by name. A name that is not a slice (one renamed since) stops the run: read as
    /// empty, it would score recall 1.0 and pass silently.
    public subscript(slice: String) -> Counts {
        guard let index = Self.sliceNames.firstIndex(of: slice) else {
            preconditionFailure("no slice \"\(slice)\" (slices: \(Self.sliceNames.joined(separator: ", ")))")
        }
        return counts[index]
    }

    /// Pairs judged by SimHash distance alone.
    public init(items: [EvalItem], simhashes: [UInt64]) {
        precondition(items.count == simhashes.count)
        self.init(items: items) { i, j in (simhashes[i] ^ simhashes[j]).nonzeroBitCount }
    }

    /// - Parameter distance: the smallest threshold at which the pair (i, j) is judged a
    ///   duplicate (its SimHash distance, or a larger number when a confirming check says no).
    /// - Parameter falseAt: record the different-story pairs judged duplicates at this
    ///   threshold in `falsePairs`, to look at.
    public init(items: [EvalItem], falseAt: Int? = nil, distance: (Int, Int) -> Int) {
        let maxK = Self.thresholds.last!
        // Every per-pair test on integers: the loop visits tens of millions of pairs.
        let languageSlice = items.map { item in
            EvalCorpus.languages.firstIndex(of: item.language).map { Self.scriptSlice + $0 } ?? -1
        }
        let editSlice = items.map { item -> Int in
            guard case .variant(let kind) = item.role else { return -1 }
            return Self.editSlice + EditKind.allCases.firstIndex(of: kind)!
        }
        var topicIds: [String: Int] = [:]
        for item in items where topicIds[item.topic] == nil { topicIds[item.topic] = topicIds.count }
        let topic = items.map { topicIds[$0.topic]! }
        let template = items.map { $0.topic.hasPrefix("template/") }
        let group = items.map(\.group)
        let original = items.map { $0.role == .original }
        // The role whose same-language pairs form a hard-negative slice, if any.
        let hardRole = items.map { item -> Int in
            switch item.role {
            case .boilerplated: Self.boilerplateSlice
            case .boilerplatedAtTop: Self.openingSlice
            case .chromeWrapped: Self.chromeSlice
            case .sharedLede: Self.ledeSlice
            default: -1
            }
        }
        var slices: [Int] = []
        for i in items.indices {
            for j in (i + 1)..<items.count {
                let positive = group[i] == group[j]
                // Within one story only original-variant pairs count.
                if positive, !(original[i] && editSlice[j] >= 0 || original[j] && editSlice[i] >= 0) {
                    continue
                }
                let distance = distance(i, j)
                let sameLanguage = languageSlice[i] == languageSlice[j] && languageSlice[i] >= 0
                slices.removeAll(keepingCapacity: true)
                slices.append(0)
                if sameLanguage { slices.append(languageSlice[i]) }
                if editSlice[i] >= 0 { slices.append(editSlice[i]) }
                if editSlice[j] >= 0 { slices.append(editSlice[j]) }
                if !positive {
                    // Template reports of one frame have their own slice.
                    if topic[i] == topic[j], !template[i] { slices.append(Self.sameTopicSlice) }
                    if hardRole[i] >= 0, hardRole[i] == hardRole[j], sameLanguage { slices.append(hardRole[i]) }
                    if original[i], original[j], topic[i] == topic[j], template[i] { slices.append(Self.templateSlice) }
                    if let falseAt, distance <= falseAt { falsePairs.append((i, j)) }
                }
                let matches = distance <= maxK
                for slice in slices {
                    if positive {
                        counts[slice].positives += 1
                        counts[slice].farthestPositive = max(counts[slice].farthestPositive, distance)
                    } else {
                        counts[slice].negatives += 1
                        counts[slice].closestNegative = min(counts[slice].closestNegative, distance)
                    }
                    guard matches else { continue }
                    for k in distance...maxK {
                        if positive { counts[slice].truePositives[k] += 1 } else { counts[slice].falsePositives[k] += 1 }
                    }
                }
            }
        }
    }
}
