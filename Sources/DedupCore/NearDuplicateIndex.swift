import Dispatch
import Synchronization

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
/// Memory per article: the fingerprint (8 bytes), its id (4, `IdColumn`) and one packed row
/// number per band (3 bytes each, `BucketList`): 24 bytes with four bands, 21 with three, plus
/// an offset per band value (32 MB in the wide layout). Fingerprints and ids are kept in chunks
/// (`ChunkedArray`), so growing never holds two copies. Rows added since the last rebuild wait
/// in `PendingRows` and are folded in when they reach a sixteenth of the total; removed rows
/// are marked in a bitset and dropped at the next rebuild.
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
    }

    /// Adds an article. Ids must increase (they are the store's row ids, in insertion order).
    public mutating func insert(id: Int64, simhash: UInt64) {
        load(id: id, simhash: simhash)
        let layout = layout, built = builtCount, prints = prints
        pending.append { row, table in layout.band(table, of: prints[built + row]) }
        if pending.count >= Self.rebuildStep(after: builtCount) { rebuild() }
    }

    /// Loads many articles at once: appended without being indexed, which the one `rebuild()`
    /// the caller must make afterwards does for all of them (no bucket work per article).
    public mutating func load(id: Int64, simhash: UInt64) {
        precondition(ids.last.map { id > $0 } ?? true, "ids must increase")
        ids.append(id)
        prints.append(simhash)
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

    /// Folds the pending rows into the bucket lists and drops removed rows: a counting sort per
    /// band, linear in the number of articles, the bands built on every core.
    public mutating func rebuild() {
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
            self.removed = Array(repeating: 0, count: (ids.count + 63) / 64)
            removedCount = 0
        }
        layout = ids.count >= wideFrom ? .wide : .narrow
        tables = []  // freed before the new ones are built
        let layout = layout, prints = prints
        let built = Mutex<[Int: BucketList]>([:])
        DispatchQueue.concurrentPerform(iterations: layout.count) { table in
            let list = BucketList(buckets: 1 << layout.widths[table], rows: prints.count) { layout.band(table, of: prints[$0]) }
            built.withLock { $0[table] = list }
        }
        tables = built.withLock { lists in (0..<layout.count).map { lists[$0]! } }
        builtCount = ids.count
        pending = PendingRows(tables: layout.count)
    }

    /// Rows that may wait in `pending` before a rebuild: a sixteenth of the built ones.
    static func rebuildStep(after built: Int) -> Int { max(4_096, built / 16) }

    @inline(__always)
    private func isRemoved(_ row: Int) -> Bool { removed[row / 64] & (1 << UInt64(row % 64)) != 0 }
}
