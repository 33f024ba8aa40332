
/// The near-duplicate index in memory: every stored article's whole-text SimHash, cut into
/// bands, so that a query at K probes, per band, every band value within ⌊K/bands⌋ bits of its
/// own and checks the rows found there (pigeonhole, as `BandKey` explains). Lead matches need
/// equal leads (`NearDuplicateThreshold.minimumContainment`), which the store finds through a
/// SQLite index: leads are not kept here.
///
/// Two layouts, chosen at each rebuild by size. Up to 2 M articles: four bands of 16 bits, as
/// in SQLite (at K = 7, 4 × 17 probes, N/65,536 rows each). From 2 M on: three bands of 21,
/// 21 and 22 bits (3 × 232 probes, about N/2 M rows each). At 10 M that is 3,300 rows to check
/// instead of 10,400, each a cache miss into `prints`, for 700 more probes; at 100 K the small
/// layout is the faster one.
///
/// Anchors (`Anchors`): each row's four 32-bit anchor keys, and one more bucket list over all
/// of them (entry 4·row + slot, bucketed by the key's top bits), so a copy whose SimHash
/// drifted is found by the n-grams it kept. A key shared by more than `anchorListLimit` rows
/// is a common phrase, not a story, and is skipped: it would make every text of a language a
/// candidate of every other.
///
/// Memory per article: the fingerprint (8 bytes), its id (4, `IdColumn`), one packed row
/// number per band (3 bytes each, `BucketList`), the anchor keys (16) and their entries (3
/// bytes each up to 4 M articles, 4 after): 52-60 bytes with four bands, plus an offset per
/// band value (32 MB in the wide layout) and per anchor bucket (one per four to eight
/// entries): 60 bytes an article at 10 M (`newsdedup-bench index`).
/// Fingerprints and ids are kept in chunks (`ChunkedArray`), so growing never holds two
/// copies. Rows added since the last rebuild wait in `PendingRows` (and are found there) until
/// the owner rebuilds; `isRebuildDue` says when they reach a sixteenth of the total. Removed
/// rows are marked in a bitset and dropped at the next rebuild. The owner decides where a
/// rebuild runs: the store builds a copy off to the side and swaps it in, so lookups never
/// wait for one.
public struct NearDuplicateIndex: Sendable {
    /// How fingerprints are cut into bands.
    struct Layout: Equatable, Sendable {
        /// Bit widths of the bands, low bits first; they add up to 64.
        let widths: [Int]
        private let shifts: [UInt64]
        private let masks: [UInt64]
        static let narrow = Layout(widths: [16, 16, 16, 16])
        static let wide = Layout(widths: [21, 21, 22])

        init(widths: [Int]) {
            precondition(widths.reduce(0, +) == 64)
            self.widths = widths
            shifts = widths.indices.map { UInt64(widths[..<$0].reduce(0, +)) }
            masks = widths.map { (1 << UInt64($0)) - 1 }
        }

        var count: Int { widths.count }

        @inline(__always)
        func band(_ index: Int, of print: UInt64) -> UInt32 {
            UInt32(truncatingIfNeeded: (print >> shifts[index]) & masks[index])
        }
    }

    private var ids = IdColumn()
    /// Each row's whole-text SimHash, rows in id order.
    private(set) var prints = ChunkedArray<UInt64>()
    private var removed: [UInt64] = []  // bitset over rows
    private var removedCount = 0
    /// The articles from which the wide layout is used (a parameter for tests).
    let wideFrom: Int
    private(set) var layout = Layout.narrow
    /// One bucket list per band, over rows `0..<builtCount`.
    private var tables: [BucketList] = []
    private var pending: PendingRows
    private var builtCount = 0
    /// `Anchors.count` keys per row, row-major.
    private var anchorKeys = ChunkedArray<UInt32>()
    /// The entries `0..<4·builtCount` of `anchorKeys`, by the top `anchorBits` of their key.
    private var anchorTable: BucketList?
    private var anchorBits = 10
    /// Rows since the last rebuild, one table per anchor slot, chained by the whole key.
    private var pendingAnchors = PendingRows(tables: Anchors.count)

    /// Rows one anchor key may match before it counts as a common phrase and is skipped.
    public static let anchorListLimit = 32

    public init() { self.init(wideFrom: 2_000_000) }

    init(wideFrom: Int) {
        self.wideFrom = wideFrom
        pending = PendingRows(tables: Layout.narrow.count)
    }

    /// The largest id added (the next must be larger).
    public var lastId: Int64? { ids.last }

    /// Live articles in the index.
    public var count: Int { ids.count - removedCount }

    /// Bytes held by the index's arrays.
    public var byteCount: Int {
        ids.byteCount + prints.byteCount + removed.count * 8 + tables.reduce(0) { $0 + $1.byteCount } + pending.byteCount
            + anchorKeys.byteCount + (anchorTable?.byteCount ?? 0) + pendingAnchors.byteCount
    }

    /// Adds an article, found at once through the pending rows. Ids must increase (they are
    /// the store's row ids, in insertion order).
    public mutating func insert(id: Int64, simhash: UInt64, anchors: [UInt32]) {
        load(id: id, simhash: simhash, anchors: anchors)
        let layout = layout, built = builtCount, prints = prints, keys = anchorKeys
        pending.append { row, table in layout.band(table, of: prints[built + row]) }
        pendingAnchors.append { row, slot in keys[(built + row) * Anchors.count + slot] }
    }

    /// The pending rows have grown past a sixteenth of the built ones (lookups in them cost
    /// more than in the bucket lists), or removed rows are waiting to be dropped.
    public var isRebuildDue: Bool {
        pending.count >= Self.rebuildStep(after: builtCount) || removedCount >= Self.rebuildStep(after: builtCount)
    }

    /// Loads many articles at once: appended without being indexed, which the one `rebuild()`
    /// the caller must make afterwards does for all of them (no bucket work per article).
    /// A text with fewer anchors than `Anchors.count` (a very short one) repeats its last.
    public mutating func load(id: Int64, simhash: UInt64, anchors: [UInt32]) {
        precondition(ids.last.map { id > $0 } ?? true, "ids must increase")
        ids.append(id)
        prints.append(simhash)
        // No anchors at all only from a caller that has none (an old row before reindex):
        // a key from the SimHash, which finds nothing but itself.
        let padding = anchors.last ?? UInt32(truncatingIfNeeded: simhash >> 32)
        for slot in 0..<Anchors.count { anchorKeys.append(slot < anchors.count ? anchors[slot] : padding) }
        if (ids.count - 1) / 64 >= removed.count { removed.append(0) }
    }

    /// Takes an article out (retention, a merge); unknown ids are ignored.
    public mutating func remove(id: Int64) {
        guard let row = ids.row(of: id), !isRemoved(row) else { return }
        removed[row / 64] |= 1 << UInt64(row % 64)
        removedCount += 1
    }

    /// Every live article whose whole-text SimHash is within `maxDistance` bits of the query's,
    /// nearest first, then oldest. Their `leadSimhash` is nil: the index keeps no leads.
    public func candidates(simhash: UInt64, maxDistance: Int) -> [Candidate] {
        let radius = max(0, maxDistance) / layout.count
        // At scale each step is a cache miss: the probe's offsets, its rows, each row's print.
        // Done as one chain per probe, the processor could keep only a few in flight. Done in
        // passes — every probe's range, then every range's rows, then every row's print — each
        // pass is a tight loop of independent loads, and many misses overlap.
        var rows: [UInt32] = []
        var ranges: [(start: Int, end: Int)] = []
        for table in 0..<layout.count {
            let probes = BandKey.probes(around: layout.band(table, of: simhash), width: layout.widths[table], radius: radius)
            if builtCount > 0 { tables[table].appendRows(of: probes, to: &rows, ranges: &ranges) }
            pending.appendRows(table: table, probes: probes, firstRow: builtCount, to: &rows)
        }
        // A match sits in several of the probed buckets; only matches are few enough to dedupe.
        var matched: [UInt32] = []
        for row in rows where (prints[Int(row)] ^ simhash).nonzeroBitCount <= maxDistance { matched.append(row) }
        return Set(matched).filter { !isRemoved(Int($0)) }
            .map { (distance: SimHash.distance(prints[Int($0)], simhash), id: ids[Int($0)], print: prints[Int($0)]) }
            .sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }
            .map { Candidate(id: $0.id, simhash: $0.print, leadSimhash: nil) }
    }

    /// Every live article sharing an anchor with the query (keys shared by more than
    /// `anchorListLimit` rows skipped), oldest first. Their `leadSimhash` is nil.
    public func partCandidates(anchors: [UInt32]) -> [Candidate] {
        // Called for every article: one buffer for every key's rows, no set per key.
        var found: [UInt32] = []
        var rows: [UInt32] = [], entries: [UInt32] = [], ranges: [(start: Int, end: Int)] = []
        for (position, key) in anchors.enumerated() where !anchors[..<position].contains(key) {
            rows.removeAll(keepingCapacity: true)
            if let anchorTable {
                entries.removeAll(keepingCapacity: true)
                anchorTable.appendRows(of: [key >> UInt32(32 - anchorBits)], to: &entries, ranges: &ranges)
                for entry in entries where anchorKeys[Int(entry)] == key { rows.append(entry / UInt32(Anchors.count)) }
            }
            if pendingAnchors.count > 0 {
                for slot in 0..<Anchors.count {
                    entries.removeAll(keepingCapacity: true)
                    pendingAnchors.appendRows(table: slot, probes: [key], firstRow: builtCount, to: &entries)
                    for row in entries where anchorKeys[Int(row) * Anchors.count + slot] == key { rows.append(row) }
                }
            }
            // A row holding the key twice (a text with fewer anchors than slots) counts once.
            rows.sort()
            var distinct = 0
            for (index, row) in rows.enumerated() where (index == 0 || row != rows[index - 1]) && !isRemoved(Int(row)) { distinct += 1 }
            guard distinct <= Self.anchorListLimit else { continue }
            found.append(contentsOf: rows.filter { !isRemoved(Int($0)) })
        }
        guard !found.isEmpty else { return [] }
        found.sort()
        var candidates: [Candidate] = []
        for (index, row) in found.enumerated() where index == 0 || row != found[index - 1] {
            candidates.append(Candidate(id: ids[Int(row)], simhash: prints[Int(row)], leadSimhash: nil))
        }
        return candidates
    }

    /// Folds the pending rows into the bucket lists and drops removed rows: a counting sort per
    /// band, linear in the number of articles, one band after the other.
    public mutating func rebuild() {
        let plan = planRebuild()
        finishRebuild(plan, lists: (0...plan.layout.count).map { plan.list($0) })
    }

    /// The same rebuild, every band's list built at once as a child task: CPU work only, which
    /// is what Swift's cooperative pool is for (the store uses it when it loads the index).
    public func rebuilt() async -> NearDuplicateIndex {
        var index = self
        let plan = index.planRebuild()
        let lists = await withTaskGroup(of: (Int, BucketList).self) { group in
            for table in 0...plan.layout.count { group.addTask { (table, plan.list(table)) } }
            var lists: [Int: BucketList] = [:]
            for await (table, list) in group { lists[table] = list }
            return (0...plan.layout.count).map { lists[$0]! }
        }
        index.finishRebuild(plan, lists: lists)
        return index
    }

    /// What the bucket lists are built from: the live rows (removed ones dropped first), the
    /// layout for their number, and the bits of the anchor buckets.
    private struct RebuildPlan: Sendable {
        let layout: Layout
        let prints: ChunkedArray<UInt64>
        let keys: ChunkedArray<UInt32>
        let anchorBits: Int

        /// List `table`: a band's, or (`table == layout.count`) the anchors'.
        func list(_ table: Int) -> BucketList {
            table == layout.count
                ? BucketList(buckets: 1 << anchorBits, rows: keys.count) { keys[$0] >> UInt32(32 - anchorBits) }
                : BucketList(buckets: 1 << layout.widths[table], rows: prints.count) { layout.band(table, of: prints[$0]) }
        }
    }

    private mutating func planRebuild() -> RebuildPlan {
        if removedCount > 0 {
            let removed = removed
            func kept(_ row: Int) -> Bool { removed[row / 64] & (1 << UInt64(row % 64)) == 0 }
            ids.compact(keeping: kept)
            var write = 0
            for row in 0..<prints.count where kept(row) {
                prints[write] = prints[row]
                write += 1
            }
            prints.removeLast(prints.count - write)
            write = 0
            for row in 0..<(anchorKeys.count / Anchors.count) where kept(row) {
                for slot in 0..<Anchors.count { anchorKeys[write * Anchors.count + slot] = anchorKeys[row * Anchors.count + slot] }
                write += 1
            }
            anchorKeys.removeLast(anchorKeys.count - write * Anchors.count)
            self.removed = Array(repeating: 0, count: (ids.count + 63) / 64)
            removedCount = 0
        }
        layout = ids.count >= wideFrom ? .wide : .narrow
        tables = []  // freed before the new ones are built
        anchorTable = nil
        // Four to eight entries a bucket: the offsets cost half a byte per entry (at 10 M
        // articles 32 MB; a bucket's extra keys to compare cost less than a microsecond).
        let keys = anchorKeys.count | 1
        let bits = min(28, max(10, keys.bitWidth - keys.leadingZeroBitCount - 3))
        return RebuildPlan(layout: layout, prints: prints, keys: anchorKeys, anchorBits: bits)
    }

    private mutating func finishRebuild(_ plan: RebuildPlan, lists: [BucketList]) {
        tables = Array(lists.prefix(plan.layout.count))
        anchorTable = lists[plan.layout.count]
        anchorBits = plan.anchorBits
        builtCount = ids.count
        pending = PendingRows(tables: layout.count)
        pendingAnchors = PendingRows(tables: Anchors.count)
    }

    /// Rows that may wait in `pending` before a rebuild: a sixteenth of the built ones.
    static func rebuildStep(after built: Int) -> Int { max(4_096, built / 16) }

    @inline(__always)
    private func isRemoved(_ row: Int) -> Bool { removed[row / 64] & (1 << UInt64(row % 64)) != 0 }
}
