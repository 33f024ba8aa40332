/// The near-duplicate index in memory: every stored article's whole-text and lead SimHash, found
/// through the same four 16-bit bands per fingerprint as `BandKey` describes, so a query at K
/// probes 8 × (keys within ⌊K/4⌋ bits) buckets and checks a few dozen fingerprints, whatever the
/// number stored.
///
/// Layout, for memory: the fingerprints and ids are parallel arrays (rows in id order); each of
/// the eight band tables is a compressed bucket list (65,537 offsets and one 4-byte row number
/// per article, sorted by band value). Rows added since the last rebuild wait in small per-band
/// dictionaries and are folded in when they reach a sixteenth of the total; removed rows are
/// marked in a bitset and dropped at the next rebuild. About 4 × 8 + 24 = 56 bytes per article.
public struct NearDuplicateIndex: Sendable {
    private(set) var ids: [Int64] = []
    /// Whole-text and lead SimHash of each row side by side: a probe that checks a row reads one
    /// cache line, not two (at 10 M articles a lookup checks some 20,000 scattered rows).
    private(set) var prints: [SIMD2<UInt64>] = []
    private var removed: [UInt64] = []  // bitset over rows
    private var removedCount = 0
    /// Per table (whole bands 0-3, lead bands 0-3): bucket offsets into `rows`.
    private var offsets: [[UInt32]] = []
    private var rows: [[UInt32]] = []
    /// Rows not yet in the bucket lists, per table: band value → rows.
    private var pending: [[UInt16: [UInt32]]] = Array(repeating: [:], count: 8)
    private var pendingCount = 0
    private var builtCount = 0

    public init() {}

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
        for table in 0..<8 {
            pending[table][Self.band(table, whole: simhash, lead: leadSimhash), default: []].append(row)
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
        let radius = BandKey.radius(forMaxDistance: maxDistance)
        // A match sits in several of the probed buckets; only matches are few enough to dedupe.
        var matched: [UInt32] = []
        func consider(_ row: UInt32, _ prints: UnsafeBufferPointer<SIMD2<UInt64>>) {
            let r = Int(row)
            let pair = prints[r]
            if SimHash.distance(pair[0], simhash) <= maxDistance || SimHash.distance(pair[1], leadSimhash) <= maxDistance,
               !isRemoved(r) {
                matched.append(row)
            }
        }
        prints.withUnsafeBufferPointer { prints in
            for table in 0..<8 {
                let center = Self.band(table, whole: simhash, lead: leadSimhash)
                for probe in BandKey.probes(around: center, radius: radius) {
                    if builtCount > 0 {
                        let bucket = Int(probe)
                        rows[table].withUnsafeBufferPointer { rows in
                            for index in Int(offsets[table][bucket])..<Int(offsets[table][bucket + 1]) { consider(rows[index], prints) }
                        }
                    }
                    if let waiting = pending[table][probe] { for row in waiting { consider(row, prints) } }
                }
            }
        }
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
        offsets = []
        rows = []
        for table in 0..<8 {
            var counts = [UInt32](repeating: 0, count: 65_537)
            for row in ids.indices { counts[Int(Self.band(table, whole: prints[row][0], lead: prints[row][1])) + 1] += 1 }
            for bucket in 1..<counts.count { counts[bucket] += counts[bucket - 1] }
            var next = counts
            var sorted = [UInt32](repeating: 0, count: ids.count)
            for row in ids.indices {
                let bucket = Int(Self.band(table, whole: prints[row][0], lead: prints[row][1]))
                sorted[Int(next[bucket])] = UInt32(row)
                next[bucket] += 1
            }
            offsets.append(counts)
            rows.append(sorted)
        }
        pending = Array(repeating: [:], count: 8)
        pendingCount = 0
        builtCount = ids.count
    }

    @inline(__always)
    static func band(_ table: Int, whole: UInt64, lead: UInt64) -> UInt16 {
        table < 4 ? BandKey.band(table, of: whole) : BandKey.band(table - 4, of: lead)
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
