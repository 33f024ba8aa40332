import ArticleStore
import DedupCore
import Foundation
import NIOCore
import PostgresNIO

/// What a batch's verdicts will read of articles already committed, read before the global
/// lock is taken: committed articles never change, so their bytes (for a duplicate's delta)
/// and their shingles (to confirm a near match, the costliest step: the article's text is
/// inflated and analysed again) can be had while other daemons hold the lock. Under the lock
/// only what was committed meanwhile, or in the same batch, is read.
struct Prefetched {
    var bytes: [Int64: [UInt8]] = [:]
    var shingles: [Int64: ShingleSet] = [:]
}

extension PostgresStore {
    func prefetch(_ items: [IngestItem], maxDistance: Int) throws(StoreError) -> Prefetched {
        guard !items.isEmpty else { return Prefetched() }
        return try writer.use { connection in
            let exact = try BatchLookups.exactMatches(items, connection)
            let leads = try BatchLookups.equalLeads(items, connection)
            // The candidates a verdict would confirm: those with a path to the item.
            var confirm = Set<Int64>()
            for item in items where exact[Data(item.fingerprint.sha256)] == nil {
                let found = near(item.fingerprint, maxDistance: maxDistance, leads: leads[Int64(bitPattern: item.fingerprint.leadSimhash)] ?? [])
                for candidate in found where MatchPath(simhash: candidate.simhash, leadSimhash: candidate.leadSimhash, of: item.fingerprint,
                                                       maxDistance: maxDistance) != nil {
                    confirm.insert(candidate.id)
                }
            }
            var prefetched = Prefetched()
            let ids = Array(confirm.union(exact.values))
            guard !ids.isEmpty else { return prefetched }
            for row in try connection.rows("""
                SELECT i.id, i.raw_size, i.base_id, b.dictionary_id, b.bytes FROM item i LEFT JOIN body b ON b.item_id = i.id
                WHERE i.id = ANY(\(ids))
                """) {
                let (id, rawSize, base, dictionaryID, body) = try row.decode((Int64, Int64, Int64?, Int64?, Data?).self)
                prefetched.bytes[id] = try KeptBytes(id: id, rawSize: rawSize, base: base, dictionaryID: dictionaryID, body: body).resolve(
                    depth: 0, bytes: { try self.bytes(of: $0, connection, depth: $1) }
                ) { dictionaryID in try self.dictionary(dictionaryID, connection) }
            }
            for id in confirm {
                guard let bytes = prefetched.bytes[id], let text = try? TextDecoder.decode(bytes).text else { continue }
                prefetched.shingles[id] = try confirmationCache.withLock { cache in try Fingerprinter().analyze(text, cache: &cache).shingles }
            }
            return prefetched
        }
    }
}
