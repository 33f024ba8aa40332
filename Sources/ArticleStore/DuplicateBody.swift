public import DedupCore

/// How a duplicate's bytes are kept. Equal to its original's: no body at all, the original
/// named as its base. Otherwise the smaller of a delta (zlib with the original's bytes as the
/// preset dictionary: a light edit costs a few dozen bytes) and the body the lanes compressed
/// alone (which wins when the copy shares little with the original's bytes, as one in UTF-16).
public struct DuplicateBody: Sendable {
    public var baseId: Int64?
    public var dictionaryId: Int64?
    public var bytes: [UInt8]?

    public static func choose(for item: IngestItem, original: Int64, originalBytes: [UInt8]?) throws -> DuplicateBody {
        let alone = DuplicateBody(baseId: nil, dictionaryId: item.compressedBody == nil ? nil : item.dictionaryID,
                                  bytes: try item.compressedBody ?? ZlibCodec.compress(item.bytes))
        guard let base = originalBytes, !base.isEmpty else { return alone }
        if base == item.bytes { return DuplicateBody(baseId: original, dictionaryId: nil, bytes: nil) }
        let delta = try ZlibCodec.compress(item.bytes, dictionary: base)
        return delta.count < alone.bytes?.count ?? .max ? DuplicateBody(baseId: original, dictionaryId: nil, bytes: delta) : alone
    }
}
