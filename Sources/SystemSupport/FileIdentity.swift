import Glibc

/// Which file a path or descriptor names: its device and inode. Written "DEVICE:INODE", as
/// systemd writes `$JOURNAL_STREAM` and as `newsdedupctl backup` sends the directory it sees.
public struct FileIdentity: Equatable, Sendable, CustomStringConvertible {
    public let device: UInt64
    public let inode: UInt64

    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    public init?(descriptor: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        self.init(info)
    }

    /// "DEVICE:INODE", decimal.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        (self.device, self.inode) = (device, inode)
    }

    private init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    public var description: String { "\(device):\(inode)" }
}
