/// Puts a file that cannot be ingested aside, never deletes it: the file goes to the quarantine
/// directory under its own name, and NAME.reason beside it says why and when.
public struct Quarantine: Sendable {
    public let directory: Directory

    public init(directory: Directory) { self.directory = directory }

    /// Moves `name` out of `source` and writes the reason. Returns the name in quarantine.
    @discardableResult
    public func admit(_ name: FileName, from source: Directory, reason: String, at timestamp: String) throws(SystemError) -> FileName {
        let placed = try source.move(name, to: directory)
        let text = "file: \(name.display)\nquarantined: \(timestamp)\nreason: \(reason)\n"
        try directory.writeFile(placed.appending(".reason"), contents: Array(text.utf8))
        return placed
    }
}
