public import DedupCore
public import Foundation

/// What a store keeps of an item's bytes, and how they come back (the SQLite and PostgreSQL
/// stores alike): a body alone, with its preset dictionary if it names one; a body that is a
/// delta against its base's bytes; no body but a base (the same bytes as the base's); or
/// neither (never kept: duplicates received before schema 7). A base has a body of its own, so
/// this reads two bodies at most; the depth stops a damaged store's cycle.
public struct KeptBytes: Sendable {
    public var id: Int64
    public var rawSize: Int64
    public var base: Int64?
    public var dictionaryID: Int64?
    public var body: Data?

    public init(id: Int64, rawSize: Int64, base: Int64?, dictionaryID: Int64?, body: Data?) {
        self.id = id
        self.rawSize = rawSize
        self.base = base
        self.dictionaryID = dictionaryID
        self.body = body
    }

    /// The bytes as received; `bytes` reads another item's (a base's) at a depth, `dictionary`
    /// a preset dictionary by id.
    public func resolve(depth: Int, bytes: (Int64, Int) throws -> [UInt8]?, dictionary: (Int64) throws -> PresetDictionary)
        throws -> [UInt8]? {
        guard depth < 3 else { throw StoreError(message: "item \(id)'s bytes name bases in a cycle", kind: .corrupt) }
        switch (body, base) {
        case (nil, nil): return nil
        case (nil, let base?): return try bytes(base, depth + 1)
        case (let body?, let base?):
            guard let original = try bytes(base, depth + 1) else {
                throw StoreError(message: "item \(id) is a delta against item \(base), which kept no bytes", kind: .corrupt)
            }
            return try ZlibCodec.decompress(Array(body), rawSize: Int(rawSize), dictionary: original)
        case (let body?, nil):
            guard let dictionaryID else { return try ZlibCodec.decompress(Array(body), rawSize: Int(rawSize)) }
            return try ZlibCodec.decompress(Array(body), rawSize: Int(rawSize), dictionary: dictionary(dictionaryID).bytes)
        }
    }
}
