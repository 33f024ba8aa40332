import DedupCore
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

    @Test func nulFarIntoTheFileIsFound() {
        var bytes = [UInt8](repeating: 0x61, count: 70_000)
        bytes[66_000] = 0
        #expect(throws: DecodeError.nulByte(offset: 66_000)) { try TextDecoder.decode(bytes) }
    }
}
