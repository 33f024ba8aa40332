/// The index's row → article id map. Ids increase with rows (they are the store's row ids, in
/// insertion order), so they are kept as 32-bit offsets from the first one: 4 bytes a row
/// instead of 8. A store whose live ids ever span 2³² switches to full ids.
struct IdColumn: Sendable {
    private var base: Int64 = 0
    private var offsets = ChunkedArray<UInt32>()
    private var full: ChunkedArray<Int64>? = nil

    var count: Int { full?.count ?? offsets.count }
    var last: Int64? { count == 0 ? nil : self[count - 1] }

    subscript(row: Int) -> Int64 {
        if let full { return full[row] }
        return base + Int64(offsets[row])
    }

    mutating func append(_ id: Int64) {
        if count == 0 && full == nil { base = id }
        if full == nil, id - base > Int64(UInt32.max) {
            var ids = ChunkedArray<Int64>()
            for row in 0..<offsets.count { ids.append(base + Int64(offsets[row])) }
            full = ids
            offsets = ChunkedArray()
        }
        if full != nil { full!.append(id) } else { offsets.append(UInt32(id - base)) }
    }

    /// The row holding `id`, if any (binary search: ids increase).
    func row(of id: Int64) -> Int? {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < count && self[low] == id ? low : nil
    }

    /// Keeps the rows for which `keep` is true, in order, in place.
    mutating func compact(keeping keep: (Int) -> Bool) {
        let rows = count
        var kept = 0
        for row in 0..<rows where keep(row) {
            if full != nil { full![kept] = full![row] } else { offsets[kept] = offsets[row] }
            kept += 1
        }
        if full != nil { full!.removeLast(rows - kept) } else { offsets.removeLast(rows - kept) }
    }

    var byteCount: Int { full?.byteCount ?? offsets.byteCount }
}
