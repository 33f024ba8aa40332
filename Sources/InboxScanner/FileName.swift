import Glibc

/// A directory entry's name as the kernel gave it: raw bytes, which need not be UTF-8. System
/// calls use the bytes; logs, the store and the CLI use `display`, which escapes anything that
/// is not printable UTF-8, so a name can neither hide nor forge a log line.
public struct FileName: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { bytes = Array(string.utf8) }

    public var description: String { display }

    /// Printable UTF-8 as is; control characters, backslash and invalid bytes as `\xNN`.
    public var display: String {
        var out = ""
        var index = 0
        while index < bytes.count {
            let length = Self.validSequenceLength(bytes, at: index)
            if length == 0 {
                out += "\\x" + String(bytes[index], radix: 16).leftPadded(to: 2)
                index += 1
                continue
            }
            let scalarText = String(decoding: bytes[index..<(index + length)], as: UTF8.self)
            let scalar = scalarText.unicodeScalars.first!
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\\" || (0x80...0x9F).contains(scalar.value)
                || scalar.properties.generalCategory == .lineSeparator || scalar.properties.generalCategory == .paragraphSeparator
            {
                for byte in bytes[index..<(index + length)] { out += "\\x" + String(byte, radix: 16).leftPadded(to: 2) }
            } else {
                out += scalarText
            }
            index += length
        }
        return out
    }

    /// Hidden files and files a producer is still writing (`*.tmp`, `*.part`) are never touched.
    public var isIgnored: Bool {
        bytes.first == UInt8(ascii: ".") || bytes.ends(with: Array(".tmp".utf8)) || bytes.ends(with: Array(".part".utf8))
    }

    /// Whether the name matches a shell glob (`fnmatch`, `*` matching a leading dot too).
    public func matches(glob pattern: String) -> Bool {
        withCString { fnmatch(pattern, $0, 0) == 0 }
    }

    /// The name with `suffix` appended (for collisions).
    public func appending(_ suffix: String) -> FileName { FileName(bytes: bytes + Array(suffix.utf8)) }

    func withCString<T>(_ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// The length of the valid UTF-8 sequence at `index`, or 0.
    static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let b0 = bytes[index]
        if b0 < 0x80 { return 1 }
        let (length, lower, upper): (Int, UInt8, UInt8) = switch b0 {
        case 0xC2...0xDF: (2, 0x80, 0xBF)
        case 0xE0: (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80, 0xBF)
        case 0xED: (3, 0x80, 0x9F)
        case 0xF0: (4, 0x90, 0xBF)
        case 0xF1...0xF3: (4, 0x80, 0xBF)
        case 0xF4: (4, 0x80, 0x8F)
        default: (0, 0, 0)
        }
        guard length > 0, index + length <= bytes.count else { return 0 }
        guard bytes[index + 1] >= lower, bytes[index + 1] <= upper else { return 0 }
        for k in 2..<length where bytes[index + k] & 0xC0 != 0x80 { return 0 }
        return length
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension Array where Element == UInt8 {
    public func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
