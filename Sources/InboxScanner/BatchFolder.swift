import Glibc
import Synchronization
public import SystemSupport
/// A batch's own directory in processing/. Its files are claimed into it one rename each; once
/// the batch is committed the whole directory goes to processed/ in one rename, instead of one
/// rename per file (those were 7 % of the daemon's CPU). A folder left in processing/ by a crash
/// or a store fault is a batch still to finish.
public final class BatchFolder: Sendable {
    public let name: FileName
    public let directory: Directory

    /// Opens a folder that a previous pass left in `processing`.
    public init(opening name: FileName, in processing: Directory) throws(SystemError) {
        self.name = name
        directory = try Directory(name, in: processing)
    }

    /// Creates a new, empty folder in `processing`, named `stamp-N` with the first N drawn from
    /// `number` whose name is free. Not durable until `processing` is synced (the batch's
    /// claims sync it).
    public init(creatingIn processing: Directory, stamp: String, number: () -> Int) throws(SystemError) {
        while true {
            let candidate = FileName("\(stamp)-\(number())")
            if try processing.makeDirectory(candidate) {
                name = candidate
                directory = try Directory(candidate, in: processing)
                return
            }
        }
    }
}

/// processed/: a directory per UTC day (2026-11-22), holding the folders of the batches
/// committed that day, so an operator can archive or prune by day, and no directory grows
/// with every article ever ingested.
public final class ProcessedArchive: Sendable {
    public let root: Directory
    /// The day's directory, opened once a day (the mover is its only user; the lock is never
    /// contended).
    private let today = Mutex<(name: FileName, directory: Directory)?>(nil)

    public init(root: Directory) { self.root = root }

    /// Renames `folder` from `processing` into the day's directory (created, and processed/
    /// synced, on the day's first batch), then syncs both: after this returns the move
    /// survives a crash. A folder name taken there gets ".1", ".2", … Returns the folder's
    /// path relative to processed/.
    @discardableResult
    public func archive(_ folder: BatchFolder, from processing: Directory, day: String) throws(SystemError) -> String {
        var dayDirectory = try directory(for: FileName(day))
        let placed: FileName
        do {
            placed = try processing.move(folder.name, to: dayDirectory, syncing: false)
        } catch where error.errno == ENOENT && processing.contains(folder.name) {
            // The day's directory was removed (pruned by day, as the README invites): make it again.
            today.withLock { $0 = nil }
            dayDirectory = try directory(for: FileName(day))
            placed = try processing.move(folder.name, to: dayDirectory, syncing: false)
        }
        try dayDirectory.sync()
        try processing.sync()
        return "\(day)/\(placed.display)"
    }

    private func directory(for day: FileName) throws(SystemError) -> Directory {
        if let today = today.withLock({ $0 }), today.name == day { return today.directory }
        if try root.makeDirectory(day) { try root.sync() }
        let directory = try Directory(day, in: root)
        today.withLock { $0 = (day, directory) }
        return directory
    }

    /// Deletes a committed batch's folder with its files instead of archiving it
    /// (`keep_processed: 0`: the store holds every committed file's bytes). Durable when it
    /// returns. Returns how many files went.
    @discardableResult
    public func discard(_ folder: BatchFolder, from processing: Directory) throws(SystemError) -> Int {
        let files = try processing.removeTree(folder.name)
        try processing.sync()
        return files
    }

    /// Removes the days before `day` (both "YYYY-MM-DD", which order as text), each with its
    /// batch folders; anything else in processed/ is left alone. Returns the days and files
    /// removed.
    public func prune(before day: String) throws(SystemError) -> (days: Int, files: Int) {
        var removed = (days: 0, files: 0)
        for (entry, status) in try root.listing() where status.kind == .directory && Self.isDay(entry.display) && entry.display < day {
            removed.files += try root.removeTree(entry)
            removed.days += 1
            today.withLock { if $0?.name == entry { $0 = nil } }
        }
        if removed.days > 0 { try root.sync() }
        return removed
    }

    /// A day directory's name: 2026-11-22.
    static func isDay(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return bytes.count == 10 && bytes.enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 ? byte == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }
}
