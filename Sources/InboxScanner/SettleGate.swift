/// Decides when a file in the inbox is complete enough to claim. Pure bookkeeping, no I/O: the
/// caller passes what it listed and when.
///
/// A file renamed into the inbox is complete at once (the producer wrote it elsewhere; the
/// rename is atomic). The mark belongs to the inode that was renamed in: once that file is
/// claimed, a new file written in place under the same name must settle like any other. A file written in place is complete only once it has not changed (size,
/// mtime, inode) across two looks at least `minimumAge` apart, measured on the caller's
/// monotonic clock, so a writer whose clock is skewed (NFS) cannot fool it.
public struct SettleGate: Sendable {
    /// What must not change between two looks.
    public struct Signature: Equatable, Sendable {
        public let size: Int64
        public let modified: Int64
        public let inode: UInt64

        public init(size: Int64, modified: Int64, inode: UInt64) {
            self.size = size
            self.modified = modified
            self.inode = inode
        }

        public init(_ status: EntryStatus) {
            self.init(size: status.size, modified: status.modified, inode: status.inode)
        }
    }

    /// Settable: a configuration reload changes it for the next look.
    public var minimumAge: Double {
        didSet { minimumAge = max(0, minimumAge) }
    }
    private var firstSeen: [FileName: (signature: Signature, at: Double)] = [:]
    /// Names renamed in, with the inode each had when its event was read.
    private var renamedIn: [FileName: UInt64] = [:]

    public init(minimumAge: Double) {
        self.minimumAge = max(0, minimumAge)
    }

    /// Notes that `name`, now the file with `inode`, was renamed into the inbox (an inotify
    /// IN_MOVED_TO, with the inode looked up when the event was read).
    public mutating func noteRenamedIn(_ name: FileName, inode: UInt64) {
        renamedIn[name] = inode
    }

    /// Given everything now in the inbox (and seen at `now`, in seconds on a monotonic clock),
    /// returns the names ready to claim, in listing order, and how many are still settling.
    /// Names no longer listed are forgotten.
    public mutating func ready(_ listing: [(name: FileName, signature: Signature)], now: Double) -> (ready: [FileName], settling: Int) {
        var ready: [FileName] = []
        var settling = 0
        var stillListed: Set<FileName> = []
        for (name, signature) in listing {
            stillListed.insert(name)
            if let inode = renamedIn[name] {
                if inode == signature.inode {
                    ready.append(name)
                    continue
                }
                renamedIn[name] = nil  // another file has the name now: it settles like any other
            }
            if minimumAge == 0 {
                ready.append(name)
                continue
            }
            if let seen = firstSeen[name], seen.signature == signature {
                if now - seen.at >= minimumAge {
                    ready.append(name)
                } else {
                    settling += 1
                }
            } else {
                firstSeen[name] = (signature, now)
                settling += 1
            }
        }
        firstSeen = firstSeen.filter { stillListed.contains($0.key) }
        renamedIn = renamedIn.filter { stillListed.contains($0.key) }
        for name in ready {
            firstSeen[name] = nil
            renamedIn[name] = nil
        }
        return (ready, settling)
    }
}
