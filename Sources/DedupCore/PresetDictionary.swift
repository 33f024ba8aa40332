internal import CZlib

/// A zlib preset dictionary (RFC 1950 FDICT): text typical of a script's articles that deflate
/// may refer back to, so a short article compresses as if it were the continuation of many.
/// Stored once in the store under `id`; each body records the id it was compressed with, so old
/// bodies stay readable whatever is trained later.
public struct PresetDictionary: Sendable, Equatable {
    public let id: Int64
    public let script: WritingScript
    public let bytes: [UInt8]

    public init(id: Int64, script: WritingScript, bytes: [UInt8]) {
        self.id = id
        self.script = script
        self.bytes = bytes
    }

    /// zlib's window: a dictionary longer than 32 KiB is cut to its last 32 KiB by deflate.
    public static let maximumSize = 32_768

    /// The newest (highest id) of each script among `all`: what new bodies are compressed with.
    public static func newestPerScript(_ all: some Collection<PresetDictionary>) -> [WritingScript: PresetDictionary] {
        var newest: [WritingScript: PresetDictionary] = [:]
        for dictionary in all where dictionary.id > (newest[dictionary.script]?.id ?? 0) {
            newest[dictionary.script] = dictionary
        }
        return newest
    }
}

/// How a preset dictionary is made from a script's stored articles: the newest of them, newest
/// last (deflate reaches the end of the dictionary with the shortest distances), whole articles
/// until 32 KiB. Chosen by measurement on the evaluation corpus cut to 1-5 KB articles, trained
/// on a third and measured on the rest at level 6 (a Python prototype of the choices; the
/// chosen one is `newsdedup-bench dictionaries`): this "tail" kept 0.81 × the zlib-6 bytes, a
/// greedy most-frequent-segments selection in the manner of zstd's COVER trainer (segments
/// scored by the document frequency of their 8-byte substrings) 0.82 × with 256-byte segments
/// and 0.85 × with 1 KiB ones. An article already in the dictionary (an exact copy) adds
/// nothing and is skipped.
public enum PresetDictionaryTrainer {
    /// `samples` oldest first.
    public static func train(samples: [[UInt8]], size: Int = PresetDictionary.maximumSize) -> [UInt8] {
        var chosen: [[UInt8]] = []
        var total = 0
        var seen = Set<[UInt8]>()
        for sample in samples.reversed() where !sample.isEmpty && total < size {
            guard seen.insert(sample).inserted else { continue }
            chosen.append(sample)
            total += sample.count
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        for sample in chosen.reversed() { bytes.append(contentsOf: sample) }
        return bytes.count > size ? Array(bytes.suffix(size)) : bytes
    }
}

/// The samples a training pass gathers from stored articles, newest first: per script, whole
/// articles until 32 KiB (both stores read their articles and hand them here).
public struct TrainingSamples: Sendable {
    private var samples: [WritingScript: [[UInt8]]] = [:]
    private var bytes: [WritingScript: Int] = [:]

    public init() {}

    /// Takes `article` for `script` unless that script has its 32 KiB already.
    public mutating func offer(_ article: [UInt8], script: WritingScript) {
        guard bytes[script, default: 0] < PresetDictionary.maximumSize else { return }
        samples[script, default: []].append(article)
        bytes[script, default: 0] += article.count
    }

    /// A trained dictionary for each script with at least `minimum` bytes of samples, by script
    /// name, with how many samples made it.
    public func train(minimum: Int) -> [(script: WritingScript, samples: Int, dictionary: [UInt8])] {
        samples.sorted { $0.key.rawValue < $1.key.rawValue }.compactMap { script, newestFirst in
            guard bytes[script, default: 0] >= minimum else { return nil }
            return (script, newestFirst.count, PresetDictionaryTrainer.train(samples: newestFirst.reversed()))
        }
    }
}

/// A deflate stream primed with a dictionary once. Priming hashes all 32 KiB of it, which costs
/// more than compressing a 3 KB article; each `compress` instead copies the primed state
/// (`deflateCopy`) and goes on from there. Not thread-safe: one per lane.
public final class PrimedDeflater {
    public let dictionaryID: Int64
    private let primed: UnsafeMutablePointer<z_stream>
    private let scratch: UnsafeMutablePointer<z_stream>

    /// zlib's search parameters (`deflateTune`): how long a match is good enough to search less,
    /// to stop looking lazily, to stop at once, and how many chain links to follow.
    public struct Search: Sendable, Equatable {
        public let good: Int32, lazy: Int32, nice: Int32, chain: Int32
        public init(good: Int32, lazy: Int32, nice: Int32, chain: Int32) {
            (self.good, self.lazy, self.nice, self.chain) = (good, lazy, nice, chain)
        }
    }

    public init(_ dictionary: PresetDictionary, level: Int32 = ZlibCodec.defaultLevel, search: Search? = nil) throws(CodecError) {
        dictionaryID = dictionary.id
        primed = .allocate(capacity: 1)
        primed.initialize(to: z_stream())
        scratch = .allocate(capacity: 1)
        scratch.initialize(to: z_stream())
        var status = deflateInit2_(primed, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            primed.deallocate(); scratch.deallocate()
            throw CodecError(zlibCode: status, operation: "deflateInit2")
        }
        if let search { _ = deflateTune(primed, search.good, search.lazy, search.nice, search.chain) }
        status = dictionary.bytes.withUnsafeBufferPointer { deflateSetDictionary(primed, $0.baseAddress, uInt($0.count)) }
        guard status == Z_OK else {
            deflateEnd(primed)
            primed.deallocate(); scratch.deallocate()
            throw CodecError(zlibCode: status, operation: "deflateSetDictionary")
        }
    }

    deinit {
        deflateEnd(primed)
        primed.deallocate()
        scratch.deallocate()
    }

    public func compress(_ input: [UInt8]) throws(CodecError) -> [UInt8] {
        let status = deflateCopy(scratch, primed)
        guard status == Z_OK else { throw CodecError(zlibCode: status, operation: "deflateCopy") }
        defer { deflateEnd(scratch) }
        return try ZlibCodec.finish(scratch, input)
    }
}
