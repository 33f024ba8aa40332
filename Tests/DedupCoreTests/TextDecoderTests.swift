@testable import DedupCore
import TestSupport
import Testing

@Suite struct TextDecoderTests {
    @Test func plainAndBOMUTF8() throws {
        #expect(try TextDecoder.decode(Array("पुतिन".utf8)) == ("पुतिन", .utf8))
        #expect(try TextDecoder.decode([0xEF, 0xBB, 0xBF] + Array("Kim".utf8)) == ("Kim", .utf8BOM))
    }

    @Test func utf16WithBOMIsTranscoded() throws {
        let text = "Işık পুতিন 😀"
        let le: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let be: [UInt8] = [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(try TextDecoder.decode(le) == (text, .utf16LE))
        #expect(try TextDecoder.decode(be) == (text, .utf16BE))
    }

    @Test(arguments: [
        ([] as [UInt8], DecodeError.empty),
        ([0xEF, 0xBB, 0xBF], .empty),
        ([0x00, 0x41], .nulByte(offset: 0)),
        ([0x41, 0x42, 0x00], .nulByte(offset: 2)),
        ([0x41, 0xC0, 0xAF], .invalidUTF8(offset: 1)),  // overlong "/"
        ([0xE0, 0x80, 0xAF], .invalidUTF8(offset: 0)),  // overlong 3-byte
        ([0xED, 0xA0, 0x80], .invalidUTF8(offset: 0)),  // UTF-8 encoded surrogate
        ([0xF4, 0x90, 0x80, 0x80], .invalidUTF8(offset: 0)),  // above U+10FFFF
        ([0x41, 0xE0, 0xA4], .invalidUTF8(offset: 1)),  // truncated sequence
        ([0xFF, 0x41], .invalidUTF8(offset: 0)),
        ([0xFF, 0xFE, 0x41], .oddUTF16Length(byteCount: 3)),
        ([0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00], .invalidUTF16(offset: 2)),  // lone high surrogate
        ([0xFE, 0xFF, 0x00, 0x41, 0x00, 0x00], .nulByte(offset: 4)),
    ])
    func rejectsWithTypedError(bytes: [UInt8], expected: DecodeError) {
        #expect(throws: expected) { try TextDecoder.decode(bytes) }
    }

    /// Valid text is taken in one pass by the standard library's validation; `validateUTF8` is
    /// the rule. On 20,000 byte strings near the edges of UTF-8 (valid text with bytes changed,
    /// cut, or sequences from the boundary cases), the two must agree on every one.
    @Test func theFastPathAcceptsExactlyWhatTheRuleAccepts() {
        var rng = SeededGenerator(seed: 0xDEC0DE)
        let pieces: [[UInt8]] = [
            Array("पुतिन Işık পুতিন 😀 a".utf8), [0xC0, 0xAF], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0x80, 0xAF],
            [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEE, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80], [0x80], [0xFF], [0x00],
        ]
        var accepted = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) { bytes += pieces[Int(rng.next() % UInt64(pieces.count))] }
            if Bool.random(using: &rng), !bytes.isEmpty { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))) }
            guard !bytes.isEmpty, !bytes.starts(with: [0xFF, 0xFE]), !bytes.starts(with: [0xFE, 0xFF]) else { continue }  // UTF-16
            let rule: DecodeError? = bytes.withUnsafeBytes { buffer in
                do throws(DecodeError) { try TextDecoder.validateUTF8(buffer, offsetBase: 0); return nil } catch { return error }
            }
            let decoded = Result { () throws(DecodeError) in try TextDecoder.decode(bytes) }
            switch (rule.map { Result<Void, DecodeError>.failure($0) } ?? .success(()), decoded) {
            case (.success, .success(let result)):
                accepted += 1
                #expect(Array(result.text.utf8) == (bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes))
            case (.failure(let expected), .failure(let error)) where !bytes.starts(with: [0xEF, 0xBB, 0xBF]):
                #expect(error == expected, "\(bytes)")
            case (.failure, .failure):
                break  // offsets shift by the BOM
            default:
                Issue.record("the rule and the decoder disagree on \(bytes): \(rule) vs \(decoded)")
            }
        }
        #expect(accepted > 1_000, "enough valid strings to mean something: \(accepted)")
    }

    @Test func nulFarIntoTheFileIsFound() {
        var bytes = [UInt8](repeating: 0x61, count: 70_000)
        bytes[66_000] = 0
        #expect(throws: DecodeError.nulByte(offset: 66_000)) { try TextDecoder.decode(bytes) }
    }
}
