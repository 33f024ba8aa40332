/// Rows added to the index since its last rebuild, findable by band value until the next
/// rebuild folds them into the bucket lists. Per table, a head per hash slot and a chain
/// through the rows: about 4 bytes a row and a slot, where a dictionary of arrays took about
/// 60. The slots double as rows arrive (at most two rows a slot on average), so an index just
/// rebuilt holds almost nothing here.
///
/// A slot can hold rows of other band values that hash to it; the caller checks every row's
/// distance anyway, so they cost a look, never a wrong answer.
struct PendingRows: Sendable {
    /// Per table: slot → 1 + the newest pending row hashed there (0: none).
    private var heads: [[UInt32]]
    /// Per table: pending row → 1 + the previous row in its chain (0: end).
    private var next: [[UInt32]]
    private var bits: UInt32 = 10
    private(set) var count = 0

    init(tables: Int) {
        heads = Array(repeating: [UInt32](repeating: 0, count: 1 << 10), count: tables)
        next = Array(repeating: [], count: tables)
    }

    @inline(__always)
    private func slot(_ band: UInt32) -> Int { Int((band &* 0x9E37_79B1) >> (32 - bits)) }

    /// Adds the next row. `band(row, table)` gives the band value of any pending row (0 the
    /// first) in each table: a growth re-hashes the rows already here.
    mutating func append(band: (Int, Int) -> UInt32) {
        if count >= 2 << bits { grow(band) }
        for table in heads.indices { link(count, band(count, table), table) }
        count += 1
    }

    private mutating func link(_ row: Int, _ band: UInt32, _ table: Int) {
        let slot = slot(band)
        if row < next[table].count { next[table][row] = heads[table][slot] } else { next[table].append(heads[table][slot]) }
        heads[table][slot] = UInt32(row + 1)
    }

    private mutating func grow(_ band: (Int, Int) -> UInt32) {
        bits += 1
        for table in heads.indices {
            heads[table] = [UInt32](repeating: 0, count: 1 << Int(bits))
            for row in 0..<count { link(row, band(row, table), table) }
        }
    }

    /// Appends to `rows` the pending rows (numbered from `firstRow`) hashed where `probes` are.
    func appendRows(table: Int, probes: [UInt32], firstRow: Int, to rows: inout [UInt32]) {
        guard count > 0 else { return }
        heads[table].withUnsafeBufferPointer { heads in
            next[table].withUnsafeBufferPointer { next in
                for probe in probes {
                    var link = heads[slot(probe)]
                    while link != 0 {
                        rows.append(UInt32(firstRow) + link - 1)
                        link = next[Int(link) - 1]
                    }
                }
            }
        }
    }

    var byteCount: Int { heads.reduce(0) { $0 + $1.count * 4 } + next.reduce(0) { $0 + $1.count * 4 } }
}
