import Foundation
import InboxScanner

/// `processing/.newsdedup-store`: the identity of the store this spool was last used with. A
/// store file that goes missing (deleted, its file system not mounted) must not be silently
/// replaced by an empty one at the next start, while processing/ and processed/ still speak
/// of the articles it held. The marker is a dotfile, which ingest never touches, in the one
/// directory operators do not prune.
struct StoreMarker {
    static let name = FileName(".newsdedup-store")
    let directory: Directory
    var path: String { directory.path + "/" + Self.name.display }

    init(processing: String) throws {
        directory = try Directory(path: processing)
    }

    /// The identity recorded, if any.
    var identity: String? {
        guard let contents = try? directory.read(Self.name, cap: 4096) else { return nil }
        let text = String(decoding: contents.bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    func record(_ identity: String) throws {
        guard self.identity != identity else { return }
        try directory.writeFile(Self.name, contents: Array((identity + "\n").utf8))
    }
}
