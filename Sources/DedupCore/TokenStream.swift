/// A text's tokens as one UTF-8 buffer: the tokens joined by single spaces, which is the
/// canonical text whose SHA-256 is the exact-duplicate key, and where each token ends. Built
/// without a `String` per token, which is what made fingerprinting slow.
public struct TokenStream: Sendable, Equatable {
    /// The canonical text: tokens separated by one space (0x20), UTF-8.
    public private(set) var bytes: [UInt8] = []
    /// The end offset in `bytes` of each token; a token starts one byte after the previous end.
    public private(set) var ends: [Int] = []
    /// Whether a token is being written (bytes appended since the last `endToken`).
    private var open = false

    public init() {}

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    /// Token `index`'s bytes in `bytes`.
    @inline(__always)
    public func range(_ index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1] + 1)..<ends[index]
    }

    /// The tokens as strings (for tests and diagnostics; the fingerprint uses the bytes).
    public var tokens: [String] {
        (0..<count).map { String(decoding: bytes[range($0)], as: UTF8.self) }
    }

    // MARK: - Writing

    mutating func reserve(_ capacity: Int) {
        bytes.reserveCapacity(capacity)
        ends.reserveCapacity(capacity / 6)
    }

    /// Appends one byte to the current token, opening it if needed.
    @inline(__always)
    mutating func append(byte: UInt8) {
        if !open {
            if !ends.isEmpty { bytes.append(0x20) }
            open = true
        }
        bytes.append(byte)
    }

    /// Appends a scalar's UTF-8 to the current token.
    @inline(__always)
    mutating func append(scalar v: UInt32) {
        if v < 0x80 {
            append(byte: UInt8(v))
        } else if v < 0x800 {
            append(byte: UInt8(0xC0 | (v >> 6)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            append(byte: UInt8(0xE0 | (v >> 12)))
            bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            append(byte: UInt8(0xF0 | (v >> 18)))
            bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Closes the current token, if one is open.
    @inline(__always)
    mutating func endToken() {
        guard open else { return }
        ends.append(bytes.count)
        open = false
    }

    /// Appends a whole token.
    mutating func append(token: String) {
        var token = token
        token.withUTF8 { utf8 in
            guard !utf8.isEmpty else { return }
            if !ends.isEmpty { bytes.append(0x20) }
            bytes.append(contentsOf: utf8)
            ends.append(bytes.count)
        }
    }

    /// Where the stream stands, to undo a segment the fast path gave up on.
    struct Mark { let bytes: Int, tokens: Int }

    var mark: Mark { Mark(bytes: bytes.count, tokens: ends.count) }

    mutating func rollBack(to mark: Mark) {
        bytes.removeSubrange(mark.bytes...)
        ends.removeSubrange(mark.tokens...)
        open = false
    }
}
