import DedupCore
import Glibc

/// Puts a file that cannot be ingested aside, never deletes it: the file goes to the quarantine
/// directory under its own name, and NAME.reason beside it says why and when.
public struct Quarantine: Sendable {
    public let directory: Directory

    public init(directory: Directory) { self.directory = directory }

    /// Writes the reason, then moves `name` out of `source` beside it: a crash in between leaves
    /// the file where it was (to be looked at again), never a quarantined file without a reason.
    /// Returns the name in quarantine (NAME, or NAME.1, … when taken).
    @discardableResult
    public func admit(_ name: FileName, from source: Directory, reason: String, at timestamp: String) throws(SystemError) -> FileName {
        let text = "file: \(name.display)\nquarantined: \(timestamp)\nreason: \(reason)\n"
        let base = Self.placeName(for: name)
        for attempt in 0..<10_000 {
            let target = attempt == 0 ? base : base.appending(".\(attempt)")
            // A reason without its file is a leftover of a crash: reuse the name.
            if directory.contains(target) { continue }
            try directory.writeFile(target.appending(".reason"), contents: Array(text.utf8))
            if try source.move(name, to: directory, as: target) { return target }
        }
        throw SystemError("quarantine \(name): 10,000 names taken", errno: EEXIST)
    }

    /// The name a file is quarantined under: its own, unless NAME.reason (and the temporary
    /// name it is written under, and a ".N" for a taken name) would pass the 255-byte limit of
    /// a file name. Then the first 180 bytes (cut between characters), "~" and a hash of the
    /// whole name, so names that share a beginning stay apart; the reason file keeps the name.
    static func placeName(for name: FileName) -> FileName {
        let limit = 255 - ".tmp-".utf8.count - ".reason".utf8.count - ".9999".utf8.count
        guard name.bytes.count > limit else { return name }
        var cut = 180
        while cut > 0, name.bytes[cut] & 0xC0 == 0x80 { cut -= 1 }  // not inside a UTF-8 sequence
        let hash = String(XXHash64.hash(name.bytes), radix: 16).leftPadded(to: 16)
        return FileName(bytes: Array(name.bytes[..<cut]) + Array("~\(hash)".utf8))
    }
}
