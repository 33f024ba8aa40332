import DedupCore
import TestSupport
import Testing

/// Reference values from PyPI's `xxhash` (the C implementation) and FIPS 180-4 / NIST examples.
@Suite struct HashVectorTests {
    @Test(arguments: [
        ("", 0xEF46_DB37_51D8_E999 as UInt64),
        ("a", 0xD24E_C4F1_A98C_6E5B),
        ("abc", 0x44BC_2CF5_AD77_0999),
        ("12345678", 0xD2D0_2F08_CF7C_FD4A),
        ("0123456789abcdef0123456789abcdef", 0x642A_9495_8E71_E6C5),
        ("0123456789abcdef0123456789abcdef0123456789ab", 0x1187_118B_194F_D24A),
        ("पुतिन", 0x8D1A_882A_2253_0DFF),
    ])
    func xxhash64MatchesReference(input: String, expected: UInt64) {
        #expect(XXHash64.hash(Array(input.utf8)) == expected)
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesNIST(input: String, expected: String) {
        #expect(SHA256.digest(input.utf8).hexString == expected)
    }

    @Test func sha256MillionAs() {
        #expect(SHA256.digest([UInt8](repeating: 0x61, count: 1_000_000)).hexString
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func sha256IncrementalEqualsOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var hasher = SHA256()
        for chunk in stride(from: 0, to: data.count, by: 37) {
            hasher.update(Array(data[chunk..<min(chunk + 37, data.count)]))
        }
        #expect(hasher.finalize() == SHA256.digest(data))
    }
}
