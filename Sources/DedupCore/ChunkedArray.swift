/// A growable array kept in chunks of 65,536 elements. Growing never copies what is already
/// there: a Swift array doubles by copying, so at 10 M fingerprints the index would hold its
/// old and its new storage at once, 80 MB more at the moment of the copy.
struct ChunkedArray<Element: Sendable>: Sendable {
    private static var chunkBits: Int { 16 }
    private static var chunkMask: Int { (1 << chunkBits) - 1 }
    private var chunks: [[Element]] = []
    private(set) var count = 0

    @inline(__always)
    subscript(index: Int) -> Element {
        get { chunks[index >> Self.chunkBits][index & Self.chunkMask] }
        set { chunks[index >> Self.chunkBits][index & Self.chunkMask] = newValue }
    }

    var last: Element? { count == 0 ? nil : self[count - 1] }

    mutating func append(_ element: Element) {
        if count & Self.chunkMask == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(1 << Self.chunkBits)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    /// Drops the last `k` elements.
    mutating func removeLast(_ k: Int) {
        precondition(k >= 0 && k <= count)
        count -= k
        while chunks.count > (count + Self.chunkMask) >> Self.chunkBits { chunks.removeLast() }
        if let last = chunks.indices.last { chunks[last].removeLast(chunks[last].count - (count - (last << Self.chunkBits))) }
    }

    /// Bytes of the elements held.
    var byteCount: Int { count * MemoryLayout<Element>.stride }
}
