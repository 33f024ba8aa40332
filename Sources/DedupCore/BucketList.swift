/// One band's table of the near-duplicate index: the rows of each band value, by counting
/// sort. An offset per band value, and the rows in band-value order packed in 3 bytes each
/// (4 once the index holds 2²⁴ rows): 3 bytes a row, where `[UInt32]` took 4.
struct BucketList: Sendable {
    /// Where each band value's rows start in `packed` (in rows); one more than the values.
    private let offsets: [UInt32]
    /// Little-endian row numbers, `rowBytes` each, and 4 bytes of padding, so every entry can
    /// be read as one unaligned 32-bit load.
    private let packed: [UInt8]
    private let rowBytes: Int

    /// The rows `0..<rows` sorted by `band(row)`, each below `buckets`; row order within a
    /// bucket. Linear time, and no memory beyond what is kept.
    init(buckets: Int, rows: Int, rowBytes: Int? = nil, band: (Int) -> UInt32) {
        precondition(rowBytes.map { $0 == 4 || ($0 == 3 && rows <= 1 << 24) } ?? true)
        self.rowBytes = rowBytes ?? (rows <= 1 << 24 ? 3 : 4)
        // counts[b + 2] counts band value b; after the prefix sum counts[b + 1] is where b starts.
        var counts = [UInt32](repeating: 0, count: buckets + 2)
        for row in 0..<rows { counts[Int(band(row)) + 2] += 1 }
        for bucket in 2..<counts.count { counts[bucket] &+= counts[bucket - 1] }
        var packed = [UInt8](repeating: 0, count: rows * self.rowBytes + 4)
        let width = self.rowBytes
        packed.withUnsafeMutableBytes { out in
            counts.withUnsafeMutableBufferPointer { next in
                for row in 0..<rows {
                    let bucket = Int(band(row)) + 1
                    let slot = Int(next[bucket])
                    next[bucket] += 1
                    // Exactly `width` bytes: the neighbours may already be written.
                    for byte in 0..<width { out[slot * width + byte] = UInt8(truncatingIfNeeded: row >> (8 * byte)) }
                }
            }
        }
        // Each counts[b + 1] now ends b, so counts[b] starts it: drop the last.
        counts.removeLast()
        offsets = counts
        self.packed = packed
    }

    /// Appends the rows of each of `buckets` to `rows`: first every bucket's range, then the
    /// rows, so the cache misses of one pass overlap.
    func appendRows(of buckets: [UInt32], to rows: inout [UInt32], ranges: inout [(start: Int, end: Int)]) {
        ranges.removeAll(keepingCapacity: true)
        offsets.withUnsafeBufferPointer { offsets in
            for bucket in buckets { ranges.append((Int(offsets[Int(bucket)]), Int(offsets[Int(bucket) + 1]))) }
        }
        let width = rowBytes
        let mask: UInt32 = width == 3 ? 0xFF_FFFF : 0xFFFF_FFFF
        packed.withUnsafeBytes { packed in
            for range in ranges {
                for index in range.start..<range.end {
                    rows.append(UInt32(littleEndian: packed.loadUnaligned(fromByteOffset: index * width, as: UInt32.self)) & mask)
                }
            }
        }
    }

    /// Bytes held.
    var byteCount: Int { offsets.count * 4 + packed.count }
}
