import Dispatch
import Synchronization

/// The near-duplicate index in memory: every stored article's whole-text and lead SimHash, each
/// cut into bands, so that a query at K probes, per band, every band value within ⌊K/bands⌋
/// bits of its own and checks the rows found there (pigeonhole, as `BandKey` explains).
///
/// Two layouts, chosen at each rebuild by size. Up to 2 M articles: four bands of 16 bits, as
/// in SQLite (at K = 7, 4 × 17 probes per fingerprint, N/65,536 rows each). From 2 M on:
/// three bands of 21, 21 and 22 bits (3 × 232 probes, about N/2 M rows each). At 10 M
/// that is 6,600 rows to check instead of 20,800, each a cache miss into `prints`, for 1,400
/// more probes; at 100 K the small layout is the faster one.
///
/// Memory: the fingerprints and ids are parallel arrays (rows in id order); each band table is
/// a compressed bucket list (an offset per band value, and one 4-byte row number per
/// article, sorted by band value). Rows added since the last rebuild wait in small per-band
/// dictionaries and are folded in when they reach a sixteenth of the total; removed rows are
/// marked in a bitset and dropped at the next rebuild. 56 bytes per article with four bands,
/// 48 with three (and 64 MB of offsets).
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

    private(set) var ids: [Int64] = []
    /// Whole-text and lead SimHash of each row side by side: a probe that checks a row reads one
    /// cache line, not two.
    private(set) var prints: [SIMD2<UInt64>] = []
    private var removed: [UInt64] = []  // bitset over rows
    private var removedCount = 0
    /// The articles from which the wide layout is used (a parameter for tests).
    let wideFrom: Int
    private(set) var layout = Layout.narrow
    /// Per table (whole-text bands, then lead bands): bucket offsets into `rows`.
    private var offsets: [[UInt32]] = []
    private var rows: [[UInt32]] = []
    /// Rows not yet in the bucket lists, per table: band value → rows.
    private var pending: [[UInt32: [UInt32]]] = Array(repeating: [:], count: 8)
    private var pendingCount = 0
    private var builtCount = 0

    public init() { self.init(wideFrom: 2_000_000) }

    init(wideFrom: Int) { self.wideFrom = wideFrom }

    /// The largest id added (the next must be larger).
    public var lastId: Int64? { ids.last }

    /// Live articles in the index.
    public var count: Int { ids.count - removedCount }

    /// Adds an article. Ids must increase (they are the store's row ids, in insertion order).
    public mutating func insert(id: Int64, simhash: UInt64, leadSimhash: UInt64) {
        precondition(ids.last.map { id > $0 } ?? true, "ids must increase")
        let row = UInt32(ids.count)
        ids.append(id)
        prints.append(SIMD2(simhash, leadSimhash))
        if Int(row) / 64 >= removed.count { removed.append(0) }
        for table in 0..<2 * layout.count {
            pending[table][band(table, SIMD2(simhash, leadSimhash)), default: []].append(row)
        }
        pendingCount += 1
        if pendingCount >= max(4_096, builtCount / 16) { rebuild() }
    }

    /// Loads many articles at once: appended without being indexed, which the one `rebuild()`
    /// the caller must make afterwards does for all of them (no bucket work per article).
    public mutating func load(id: Int64, simhash: UInt64, leadSimhash: UInt64) {
        precondition(ids.last.map { id > $0 } ?? true, "ids must increase")
        ids.append(id)
        prints.append(SIMD2(simhash, leadSimhash))
        if (ids.count - 1) / 64 >= removed.count { removed.append(0) }
    }

    /// Takes an article out (retention, a merge); unknown ids are ignored.
    public mutating func remove(id: Int64) {
        guard let row = row(of: id), !isRemoved(row) else { return }
        removed[row / 64] |= 1 << UInt64(row % 64)
        removedCount += 1
    }

    /// Every live article whose whole-text or lead SimHash is within `maxDistance` bits of the
    /// query's, nearest whole-text first (then nearest lead, then oldest), as `NearDuplicateQuery`
    /// returns them from SQLite.
    public func candidates(simhash: UInt64, leadSimhash: UInt64, maxDistance: Int) -> [Candidate] {
        let radius = max(0, maxDistance) / layout.count
        let query = SIMD2(simhash, leadSimhash)
        // A match sits in several of the probed buckets; only matches are few enough to dedupe.
        var matched: [UInt32] = []
        // At scale each step is a cache miss: the probe's offsets, its rows, each row's prints.
        // Done as one chain per probe, the processor could keep only a few in flight. Done in
        // three passes — every probe's range, then every range's rows, then every row's prints —
        // each pass is a tight loop of independent loads, and many misses overlap.
        var ranges: [(start: UInt32, end: UInt32)] = []
        var candidateRows: [UInt32] = []
        for table in 0..<2 * layout.count {
            let probes = BandKey.probes(around: band(table, query), width: layout.widths[table % layout.count], radius: radius)
            if builtCount > 0 {
                offsets[table].withUnsafeBufferPointer { offsets in
                    ranges.removeAll(keepingCapacity: true)
                    for probe in probes { ranges.append((offsets[Int(probe)], offsets[Int(probe) + 1])) }
                }
                rows[table].withUnsafeBufferPointer { rows in
                    for range in ranges {
                        for index in Int(range.start)..<Int(range.end) { candidateRows.append(rows[index]) }
                    }
                }
            }
            for probe in probes {
                if let waiting = pending[table][probe] { candidateRows += waiting }
            }
        }
        prints.withUnsafeBufferPointer { prints in
            for row in candidateRows where Self.isNear(prints[Int(row)], query, maxDistance) { matched.append(row) }
        }
        matched.removeAll { isRemoved(Int($0)) }
        let found = Set(matched).map { Candidate(id: ids[Int($0)], simhash: prints[Int($0)][0], leadSimhash: prints[Int($0)][1]) }
        func key(_ c: Candidate) -> (Int, Int, Int64) {
            (SimHash.distance(c.simhash, simhash), SimHash.distance(c.leadSimhash, leadSimhash), c.id)
        }
        return found.sorted { key($0) < key($1) }
    }

    /// Folds the pending rows into the bucket lists and drops removed rows: a counting sort per
    /// table, linear in the number of articles.
    public mutating func rebuild() {
        if removedCount > 0 {
            var keep: [Int] = []
            keep.reserveCapacity(count)
            for row in ids.indices where !isRemoved(row) { keep.append(row) }
            ids = keep.map { ids[$0] }
            prints = keep.map { prints[$0] }
            removed = Array(repeating: 0, count: (ids.count + 63) / 64)
            removedCount = 0
        }
        layout = ids.count >= wideFrom ? .wide : .narrow
        offsets = []
        rows = []
        // The tables are independent: built on every core (at 10 M articles, seconds each).
        let source = self
        let built = Mutex<[Int: (offsets: [UInt32], rows: [UInt32])]>([:])
        DispatchQueue.concurrentPerform(iterations: 2 * layout.count) { table in
            let list = source.bucketList(table)
            built.withLock { $0[table] = list }
        }
        let tables = built.withLock { $0 }
        offsets = tables.keys.sorted().map { tables[$0]!.offsets }
        rows = tables.keys.sorted().map { tables[$0]!.rows }
        pending = Array(repeating: [:], count: 8)
        pendingCount = 0
        builtCount = ids.count
    }

    /// One table's bucket list, by counting sort: the offset of each band value's rows, and the
    /// rows in band-value order (in row order within a bucket).
    private func bucketList(_ table: Int) -> (offsets: [UInt32], rows: [UInt32]) {
        var counts = [UInt32](repeating: 0, count: (1 << layout.widths[table % layout.count]) + 1)
        for row in ids.indices { counts[Int(band(table, prints[row])) + 1] += 1 }
        for bucket in 1..<counts.count { counts[bucket] += counts[bucket - 1] }
        var next = counts
        var sorted = [UInt32](repeating: 0, count: ids.count)
        for row in ids.indices {
            let bucket = Int(band(table, prints[row]))
            sorted[Int(next[bucket])] = UInt32(row)
            next[bucket] += 1
        }
        return (counts, sorted)
    }

    /// Whole text or lead within `maxDistance` bits, without a branch between the two.
    @inline(__always)
    static func isNear(_ pair: SIMD2<UInt64>, _ query: SIMD2<UInt64>, _ maxDistance: Int) -> Bool {
        let difference = pair ^ query
        return (difference[0].nonzeroBitCount <= maxDistance) || (difference[1].nonzeroBitCount <= maxDistance)
    }

    /// Table t < bands is whole-text band t; the others are the lead's bands.
    @inline(__always)
    func band(_ table: Int, _ pair: SIMD2<UInt64>) -> UInt32 {
        table < layout.count ? layout.band(table, of: pair[0]) : layout.band(table - layout.count, of: pair[1])
    }

    @inline(__always)
    private func isRemoved(_ row: Int) -> Bool { removed[row / 64] & (1 << UInt64(row % 64)) != 0 }

    private func row(of id: Int64) -> Int? {
        var low = 0, high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < ids.count && ids[low] == id ? low : nil
    }
}
