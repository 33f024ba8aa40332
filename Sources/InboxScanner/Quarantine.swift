import Glibc
public import SystemSupport

/// Puts a file that cannot be ingested aside, never deletes it: the file goes to the quarantine
/// directory under its own name, and `.NAME.reason` beside it says why and when.
///
/// The reason is a dotfile so that the two can never be confused or collide: no file is ever
/// quarantined under a name that starts with a dot (the inbox never touches dotfiles), so a
/// producer's own `report.reason` is a quarantined file like any other, and nothing in the
/// quarantine is ever overwritten, whatever the names.
public struct Quarantine: Sendable {
    public let directory: Directory

    public init(directory: Directory) { self.directory = directory }

    /// Writes the reason, then moves `name` out of `source` beside it: a crash in between leaves
    /// the file where it was (to be looked at again), never a quarantined file without a reason.
    /// Returns the name in quarantine (NAME, or NAME.1, … when taken).
    @discardableResult
    public func admit(_ name: FileName, from source: Directory, reason: String, at timestamp: String) throws(SystemError) -> FileName {
        let text = QuarantineReason(file: name.display, quarantinedAt: timestamp, reason: reason).text
        let base = Self.placeName(for: name)
        for attempt in 0..<10_000 {
            let target = attempt == 0 ? base : base.appending(".\(attempt)")
            if directory.contains(target) { continue }
            // A reason without its file is a leftover of a crash (or of a retry that could not
            // remove it): never written over, the next name is taken instead.
            guard try directory.writeFile(Self.reasonName(for: target), contents: Array(text.utf8), replacing: false) else { continue }
            if try source.move(name, to: directory, as: target) { return target }
            try? directory.remove(Self.reasonName(for: target))  // the name was taken meanwhile
        }
        throw SystemError("quarantine \(name): 10,000 names taken", errno: EEXIST)
    }

    /// The reason file of the quarantined file `name`.
    public static func reasonName(for name: FileName) -> FileName {
        FileName(bytes: [UInt8(ascii: ".")] + name.bytes + Array(".reason".utf8))
    }

    /// The quarantined files (every entry but dotfiles and directories), oldest first.
    public func files() throws(SystemError) -> [(name: FileName, status: EntryStatus)] {
        try directory.listing().filter { $0.name.bytes.first != UInt8(ascii: ".") && $0.status.kind != .directory }
    }

    /// What a quarantined file's reason file says; nil when it has none (or an unreadable one).
    public func reason(of name: FileName) -> QuarantineReason? {
        guard let contents = try? directory.read(Self.reasonName(for: name), cap: 4096) else { return nil }
        return QuarantineReason(parsing: contents.bytes)
    }

    /// Gives the reason files of older versions (NAME.reason beside NAME) their dotfile name,
    /// so that they are neither listed as quarantined files nor mistaken for a producer's file.
    /// Only a file that reads as a reason (its first line "file: …") and whose file is there is
    /// renamed; nothing is overwritten. Returns how many were renamed.
    @discardableResult
    public func adoptLegacyReasons() throws(SystemError) -> Int {
        let suffix = Array(".reason".utf8)
        let entries = try directory.listing()
        let names = Set(entries.map(\.name))
        var adopted = 0
        for (name, status) in entries where status.kind == .regular && name.bytes.first != UInt8(ascii: ".")
            && name.bytes.count > suffix.count && name.bytes.ends(with: suffix) {
            let file = FileName(bytes: Array(name.bytes.dropLast(suffix.count)))
            guard names.contains(file), let contents = try? directory.read(name, cap: 4096),
                  contents.bytes.starts(with: Array("file: ".utf8)), QuarantineReason(parsing: contents.bytes) != nil
            else { continue }
            if try directory.move(name, to: directory, as: Self.reasonName(for: file)) { adopted += 1 }
        }
        return adopted
    }

    /// The name a file is quarantined under: its own, unless `.NAME.reason` (and the temporary
    /// name it is written under, and a ".N" for a taken name) would pass the 255-byte limit of
    /// a file name. Then the first 180 bytes (cut between characters), "~" and a hash of the
    /// whole name, so names that share a beginning stay apart; the reason file keeps the name.
    static func placeName(for name: FileName) -> FileName {
        let limit = 255 - ".tmp-".utf8.count - ".".utf8.count - ".reason".utf8.count - ".9999".utf8.count
        guard name.bytes.count > limit else { return name }
        var cut = 180
        while cut > 0, name.bytes[cut] & 0xC0 == 0x80 { cut -= 1 }  // not inside a UTF-8 sequence
        let hash = String(Self.fnv1a(name.bytes), radix: 16).leftPadded(to: 16)
        return FileName(bytes: Array(name.bytes[..<cut]) + Array("~\(hash)".utf8))
    }

    /// FNV-1a, 64 bits: enough to keep long names apart in one directory (a collision only
    /// costs a ".1"), and no reason to depend on the fingerprinting library for a name.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}

/// What `.NAME.reason` says, as "key: value" lines: the file's name as it arrived, when it was
/// quarantined (RFC 3339) and why. Written and read only here.
public struct QuarantineReason: Sendable, Equatable {
    public var file: String?
    public var quarantinedAt: String?
    public var reason: String

    public init(file: String?, quarantinedAt: String?, reason: String) {
        self.file = file
        self.quarantinedAt = quarantinedAt
        self.reason = reason
    }

    /// The file's text. A reason is one line: line breaks in it become spaces.
    var text: String {
        let oneLine = reason.map { $0.isNewline ? " " : $0 }
        return "file: \(file ?? "")\nquarantined: \(quarantinedAt ?? "")\nreason: \(String(oneLine))\n"
    }

    /// Parses a reason file; nil when it has no "reason:" line.
    public init?(parsing bytes: [UInt8]) {
        var fields: [Substring: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon]] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        guard let reason = fields["reason"] else { return nil }
        self.init(file: fields["file"], quarantinedAt: fields["quarantined"], reason: reason)
    }
}
