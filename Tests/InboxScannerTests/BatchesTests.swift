import InboxScanner
import Testing

@Suite struct BatchesTests {
    func files(_ sizes: [Int64]) -> [(name: FileName, size: Int64)] {
        sizes.enumerated().map { (FileName("f\($0.offset)"), $0.element) }
    }

    func shape(_ batches: [ArraySlice<FileName>]) -> [[String]] {
        batches.map { $0.map(\.display) }
    }

    @Test func cutByCountKeepingListingOrder() {
        #expect(shape(Batches.cut(files([1, 1, 1, 1, 1]), count: 2, bytes: 100))
            == [["f0", "f1"], ["f2", "f3"], ["f4"]])
    }

    @Test func cutByBytesAndALargeFileGoesAlone() {
        #expect(shape(Batches.cut(files([40, 50, 10, 300, 5, 95, 1]), count: 10, bytes: 100))
            == [["f0", "f1", "f2"], ["f3"], ["f4", "f5"], ["f6"]])
    }

    @Test func nothingToCut() {
        #expect(Batches.cut([], count: 3, bytes: 10).isEmpty)
    }
}
