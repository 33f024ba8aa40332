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
        for attempt in 0..<10_000 {
            let target = attempt == 0 ? name : name.appending(".\(attempt)")
            // A reason without its file is a leftover of a crash: reuse the name.
            if directory.contains(target) { continue }
            try directory.writeFile(target.appending(".reason"), contents: Array(text.utf8))
            if try source.move(name, to: directory, as: target) { return target }
        }
        throw SystemError("quarantine \(name): 10,000 names taken", errno: EEXIST)
    }
}
