internal import CZlib

/// Why compressed bytes could not be turned back into the article.
public struct CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    public let zlibCode: Int32
    public let operation: String

    public var description: String { "zlib \(operation) failed with code \(zlibCode)" }
}

/// zlib (RFC 1950) from the system library. The stored form keeps the raw size beside it, so
/// decompression allocates exactly once and a size mismatch is detected.
public enum ZlibCodec {
    /// Level 6 is zlib's default: on Hindi/Bengali it keeps 23-28 % of the bytes; level 9 saves
    /// about 1 % more at half the speed.
    public static let defaultLevel: Int32 = 6

    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws(CodecError) -> [UInt8] {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &capacity, inp.baseAddress, uLong(inp.count), level)
            }
        }
        guard status == Z_OK else { throw CodecError(zlibCode: status, operation: "compress") }
        output.removeSubrange(Int(capacity)...)
        return output
    }

    public static func decompress(_ input: [UInt8], rawSize: Int) throws(CodecError) -> [UInt8] {
        var length = uLong(rawSize)
        // uncompress needs a non-null buffer even for empty output.
        var output = [UInt8](repeating: 0, count: max(rawSize, 1))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                uncompress(out.baseAddress, &length, inp.baseAddress, uLong(inp.count))
            }
        }
        guard status == Z_OK else { throw CodecError(zlibCode: status, operation: "decompress") }
        guard Int(length) == rawSize else { throw CodecError(zlibCode: Z_DATA_ERROR, operation: "decompress (size mismatch)") }
        output.removeSubrange(rawSize...)
        return output
    }

    /// Decompresses a body compressed with `dictionary` (a `PrimedDeflater`'s output); without
    /// one, as `decompress(_:rawSize:)`.
    public static func decompress(_ input: [UInt8], rawSize: Int, dictionary: [UInt8]?) throws(CodecError) -> [UInt8] {
        guard let dictionary else { return try decompress(input, rawSize: rawSize) }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        var status = inflateInit_(stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw CodecError(zlibCode: status, operation: "inflateInit") }
        defer { inflateEnd(stream) }
        var output = [UInt8](repeating: 0, count: max(rawSize, 1))
        let produced: Int = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                stream.pointee.avail_in = uInt(inp.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(rawSize)
                status = inflate(stream, Z_FINISH)
                if status == Z_NEED_DICT {
                    status = dictionary.withUnsafeBufferPointer { inflateSetDictionary(stream, $0.baseAddress, uInt($0.count)) }
                    if status == Z_OK { status = inflate(stream, Z_FINISH) }
                }
                return Int(stream.pointee.total_out)
            }
        }
        guard status == Z_STREAM_END else { throw CodecError(zlibCode: status, operation: "decompress with a dictionary") }
        guard produced == rawSize else { throw CodecError(zlibCode: Z_DATA_ERROR, operation: "decompress (size mismatch)") }
        output.removeSubrange(rawSize...)
        return output
    }

    /// Compresses `input` with `dictionary` as zlib's preset dictionary, in one call: a
    /// duplicate's delta against its original's bytes (a body read back with
    /// `decompress(_:rawSize:dictionary:)`). Only the dictionary's last 32 KiB can be used.
    public static func compress(_ input: [UInt8], dictionary: [UInt8], level: Int32 = defaultLevel) throws(CodecError) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        var status = deflateInit2_(stream, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw CodecError(zlibCode: status, operation: "deflateInit2") }
        defer { deflateEnd(stream) }
        status = dictionary.withUnsafeBufferPointer { deflateSetDictionary(stream, $0.baseAddress, uInt($0.count)) }
        guard status == Z_OK else { throw CodecError(zlibCode: status, operation: "deflateSetDictionary") }
        return try finish(stream, input)
    }

    /// Runs a prepared deflate stream over all of `input` and returns what it wrote.
    static func finish(_ stream: UnsafeMutablePointer<z_stream>, _ input: [UInt8]) throws(CodecError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(input.count))) + 16)
        var status: Int32 = Z_OK
        let written: Int = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                stream.pointee.avail_in = uInt(inp.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                status = deflate(stream, Z_FINISH)
                return Int(stream.pointee.total_out)
            }
        }
        guard status == Z_STREAM_END else { throw CodecError(zlibCode: status, operation: "deflate with a dictionary") }
        output.removeSubrange(written...)
        return output
    }
}
