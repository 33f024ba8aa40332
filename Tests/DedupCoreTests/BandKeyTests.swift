import DedupCore
import TestSupport
import Testing

@Suite struct BandKeyTests {
    @Test func bandsCoverTheFingerprint() {
        let fingerprint: UInt64 = 0x0123_4567_89AB_CDEF
        #expect(BandKey.bands(of: fingerprint) == [0xCDEF, 0x89AB, 0x4567, 0x0123])
    }

    @Test(arguments: [(0, 1), (1, 17), (2, 137), (3, 697)])
    func probeCountsAreBinomialSums(radius: Int, count: Int) {
        let probes = BandKey.probes(around: 0xBEEF, radius: radius)
        #expect(probes.count == count)
        #expect(Set(probes).count == count)
        #expect(probes.first == 0xBEEF)
        #expect(probes.allSatisfy { ($0 ^ 0xBEEF).nonzeroBitCount <= radius })
    }

    /// Pigeonhole, checked: every fingerprint within K bits shares a probed key in some band.
    @Test func everyNeighbourWithinKIsReachable() {
        var generator = SystemRandomNumberGenerator()
        for maxDistance in [0, 3, 7, 11] {
            let radius = BandKey.radius(forMaxDistance: maxDistance)
            for _ in 0..<500 {
                let a = UInt64.random(in: .min ... .max, using: &generator)
                var b = a
                var flipped = Set<Int>()
                while flipped.count < maxDistance { flipped.insert(Int.random(in: 0..<64, using: &generator)) }
                for bit in flipped { b ^= 1 << UInt64(bit) }
                let reachable = (0..<BandKey.bandCount).contains { band in
                    BandKey.probes(around: BandKey.band(band, of: a), radius: radius)
                        .contains(BandKey.band(band, of: b))
                }
                #expect(reachable)
            }
        }
    }
}

@Suite struct ZlibCodecTests {
    @Test func roundTripsBytesExactly() throws {
        let text = Array(try Seeds.text(Seeds.names[0]).utf8) + [0xFF, 0x00, 0x80]
        let packed = try ZlibCodec.compress(text)
        #expect(packed.count < text.count / 2)
        #expect(try ZlibCodec.decompress(packed, rawSize: text.count) == text)
    }

    @Test func emptyInputRoundTrips() throws {
        #expect(try ZlibCodec.decompress(try ZlibCodec.compress([]), rawSize: 0) == [])
    }

    @Test func corruptOrMisSizedInputIsAnError() throws {
        let packed = try ZlibCodec.compress(Array("hello hello hello".utf8))
        #expect(throws: CodecError.self) { try ZlibCodec.decompress(packed, rawSize: 5) }
        #expect(throws: CodecError.self) { try ZlibCodec.decompress([0x78, 0x9C, 1, 2, 3], rawSize: 17) }
    }
}
