#if canImport(Glibc)
import Glibc
#endif

/// Why a file's bytes could not be taken as text. Each case says where, so the quarantine
/// reason points an operator at the offending byte.
public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case nulByte(offset: Int)
    case invalidUTF8(offset: Int)
    case oddUTF16Length(byteCount: Int)
    case invalidUTF16(offset: Int)

    public var description: String {
        switch self {
        case .empty: "empty file"
        case .nulByte(let offset): "NUL byte at offset \(offset): binary data, not text"
        case .invalidUTF8(let offset): "invalid UTF-8 at byte offset \(offset)"
        case .oddUTF16Length(let count): "UTF-16 text with an odd byte count (\(count))"
        case .invalidUTF16(let offset): "unpaired UTF-16 surrogate at byte offset \(offset)"
        }
    }
}

/// The encodings a file may arrive in. Anything else is rejected rather than guessed.
public enum SourceEncoding: String, Sendable, Codable {
    case utf8, utf8BOM = "utf8-bom", utf16LE = "utf16le", utf16BE = "utf16be"
}

/// Strict decoding: UTF-8 with or without a BOM, UTF-16 only with a BOM. No guessing, no
/// replacement characters: a byte that is not valid text is an error with its offset.
public enum TextDecoder {
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> (text: String, encoding: SourceEncoding) {
        try bytes.withUnsafeBufferPointer { buffer throws(DecodeError) in
            try decode(UnsafeRawBufferPointer(buffer))
        }
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> (text: String, encoding: SourceEncoding) {
        guard !bytes.isEmpty else { throw .empty }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE {
            return (try decodeUTF16(bytes, littleEndian: true), .utf16LE)
        }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF {
            return (try decodeUTF16(bytes, littleEndian: false), .utf16BE)
        }
        let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        let body = UnsafeRawBufferPointer(rebasing: bytes[(hasBOM ? 3 : 0)...])
        guard !body.isEmpty else { throw .empty }
        // One pass in the common case: the standard library's validation (strict UTF-8, as
        // RFC 3629) while making the String, and memchr for a NUL. Only a text that fails
        // either goes through `validateUTF8`, which says what is wrong and where.
        if memchr(body.baseAddress!, 0, body.count) == nil, let text = String(validating: body, as: UTF8.self) {
            return (text, hasBOM ? .utf8BOM : .utf8)
        }
        try validateUTF8(body, offsetBase: hasBOM ? 3 : 0)
        // Unreachable unless the two validators disagree; then the stricter one's reading holds.
        throw .invalidUTF8(offset: hasBOM ? 3 : 0)
    }

    /// Validates per RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF, no NUL.
    static func validateUTF8(_ bytes: UnsafeRawBufferPointer, offsetBase: Int) throws(DecodeError) {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                if b0 == 0 { throw .nulByte(offset: offsetBase + i) }
                i += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: throw .invalidUTF8(offset: offsetBase + i)
            }
            guard i + length <= n else { throw .invalidUTF8(offset: offsetBase + i) }
            let b1 = bytes[i + 1]
            guard b1 >= lower, b1 <= upper else { throw .invalidUTF8(offset: offsetBase + i) }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 {
                throw .invalidUTF8(offset: offsetBase + i)
            }
            i += length
        }
    }

    static func decodeUTF16(_ bytes: UnsafeRawBufferPointer, littleEndian: Bool) throws(DecodeError) -> String {
        guard bytes.count % 2 == 0 else { throw .oddUTF16Length(byteCount: bytes.count) }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2 - 1)
        var i = 2
        while i < bytes.count {
            let unit = littleEndian
                ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
                : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
            if unit == 0 { throw .nulByte(offset: i) }
            units.append(unit)
            i += 2
        }
        guard !units.isEmpty else { throw .empty }
        var text = ""
        text.reserveCapacity(units.count * 2)
        var iterator = units.makeIterator()
        var parser = UTF16.ForwardParser()
        var consumed = 2
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                text.unicodeScalars.append(UTF16.decode(encoded))
                consumed += encoded.count * 2
            case .emptyInput:
                return text
            case .error(let length):
                _ = length
                throw .invalidUTF16(offset: consumed)
            }
        }
    }
}
