/// How ready files are cut into batches, each committed in one transaction.
public enum Batches {
    /// In listing order, batches of at most `count` files and `bytes` bytes together; a file
    /// larger than `bytes` goes alone.
    public static func cut(_ files: [(name: FileName, size: Int64)], count: Int, bytes: Int64) -> [ArraySlice<FileName>] {
        var batches: [ArraySlice<FileName>] = []
        var current: [FileName] = []
        var total: Int64 = 0
        for file in files {
            if !current.isEmpty, current.count >= count || total + file.size > bytes {
                batches.append(current[...])
                current = []
                total = 0
            }
            current.append(file.name)
            total += file.size
        }
        if !current.isEmpty { batches.append(current[...]) }
        return batches
    }
}
