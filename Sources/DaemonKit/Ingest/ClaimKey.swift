import DedupCore
import InboxScanner

/// What a committed file is recognised by when it is found in processing/ again (a crash
/// between commit and move). Device, inode, mtime and size alone are not enough: a producer
/// that keeps mtimes (`rsync -t`, `cp -p`, `tar x`) can write a new article of the same size
/// that the file system gives the inode of one pruned from processed/, and that article would
/// be taken for the old one and never stored. So the key also covers the batch folder and the
/// name the file was claimed under (unique per claim) and the file's bytes.
enum ClaimKey {
    /// "2:" and 128 bits of SHA-256 over the folder, the name, the file's identity and its bytes.
    static func of(folder: FileName, name: FileName, status: EntryStatus, bytes: [UInt8]) -> String {
        var hash = SHA256()
        hash.update(folder.bytes + [0] + name.bytes + [0] + Array(status.identity.utf8) + [0])
        hash.update(bytes)
        return "2:" + Array(hash.finalize().prefix(16)).hexString
    }
}
