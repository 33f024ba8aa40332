import ArticleStore
import Foundation
import Glibc
import TestSupport
import Testing

/// Everything a hostile or careless producer can put in an inbox, and where each must end.
@Suite(.serialized) struct HostileInboxTests {
    enum Destination: Equatable { case stored, quarantined(reason: String), stays }

    struct Item {
        let name: [UInt8]
        let destination: Destination
        /// Creates the item at the given path (raw bytes, so names need not be UTF-8).
        let make: ([UInt8]) throws -> Void
    }

    /// A regular file with `data`, written through open(2) so any name works.
    static func file(_ data: Data) -> ([UInt8]) throws -> Void {
        { path in
            let fd = (path + [0]).withUnsafeBufferPointer {
                $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
            }
            #expect(fd >= 0)
            _ = data.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            close(fd)
        }
    }

    @Test func eachItemEndsWhereTheTableSays() throws {
        let workspace = try Workspace()
        let outside = workspace.dir("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("outside secret".utf8).write(to: outside.appendingPathComponent("secret.txt"))
        var factory = try ArticleFactory(seed: 7)
        let seed = { (i: Int) in try Seeds.bytes(Seeds.names[i]) }
        func utf16(_ data: Data, littleEndian: Bool) -> Data {
            String(decoding: data, as: UTF8.self).utf16.reduce(into: Data(littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF])) {
                $0.append(contentsOf: littleEndian ? [UInt8($1 & 0xFF), UInt8($1 >> 8)] : [UInt8($1 >> 8), UInt8($1 & 0xFF)])
            }
        }
        var lateNul = factory.article()
        while lateNul.count < 80_000 { lateNul += factory.article() }
        // On a space, so no multi-byte character is cut: the NUL must be what is found.
        let nulOffset = lateNul[70_000...].firstIndex(of: 0x20)!
        lateNul[nulOffset] = 0

        var table: [Item] = [
            Item(name: Array("link-to-file.txt".utf8), destination: .quarantined(reason: "symbolic link")) { path in
                let url = URL(fileURLWithPath: String(decoding: path, as: UTF8.self))
                try FileManager.default.createSymbolicLink(at: url, withDestinationURL: outside.appendingPathComponent("secret.txt"))
            },
            Item(name: Array("link-to-dir".utf8), destination: .quarantined(reason: "symbolic link")) { path in
                let url = URL(fileURLWithPath: String(decoding: path, as: UTF8.self))
                try FileManager.default.createSymbolicLink(at: url, withDestinationURL: outside)
            },
            Item(name: Array("fifo".utf8), destination: .quarantined(reason: "not a regular file (fifo)")) { path in
                let url = URL(fileURLWithPath: String(decoding: path, as: UTF8.self))
                #expect(mkfifo(url.path, 0o600) == 0)
            },
            Item(name: Array("socket".utf8), destination: .quarantined(reason: "not a regular file (socket)")) { path in
                let url = URL(fileURLWithPath: String(decoding: path, as: UTF8.self))
                #expect(RawSocket.bindFile(at: url.path))
            },
            Item(name: Array("subdir".utf8), destination: .stays) { path in
                let url = URL(fileURLWithPath: String(decoding: path, as: UTF8.self))
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
                try Data("inside".utf8).write(to: url.appendingPathComponent("inner.txt"))
            },
            Item(name: Array("hard-link.txt".utf8), destination: .quarantined(reason: "hard link")) { path in
                let url = URL(fileURLWithPath: String(decoding: path, as: UTF8.self))
                try factory.article().write(to: outside.appendingPathComponent("other-name.txt"))
                #expect(link(outside.appendingPathComponent("other-name.txt").path, url.path) == 0)
            },
            Item(name: Array("empty.txt".utf8), destination: .quarantined(reason: "empty file"), make: Self.file(Data())),
            Item(name: Array("sparse-huge.txt".utf8), destination: .quarantined(reason: "over the 16777216-byte size cap")) { path in
                // Created and sized on one descriptor: FileManager.createFile writes by rename,
                // and a renamed file is claimed at once, before it could be made large.
                let fd = open(String(decoding: path, as: UTF8.self), O_WRONLY | O_CREAT | O_EXCL, 0o644)
                #expect(fd >= 0)
                #expect(ftruncate(fd, 17 << 20) == 0)
                close(fd)
            },
            Item(name: Array("latin1.txt".utf8), destination: .quarantined(reason: "invalid UTF-8 at byte offset 4"),
                 make: Self.file(Data("caf".utf8) + Data([0x20, 0xE9, 0x74, 0xE9]))),
            Item(name: Array("overlong.txt".utf8), destination: .quarantined(reason: "invalid UTF-8 at byte offset 2"),
                 make: Self.file(Data("ab".utf8) + Data([0xC0, 0xAF]) + Data("cd".utf8))),
            Item(name: Array("nul-first.txt".utf8), destination: .quarantined(reason: "NUL byte at offset 0"),
                 make: Self.file(Data([0]) + (try seed(0)))),
            Item(name: Array("nul-late.txt".utf8), destination: .quarantined(reason: "NUL byte at offset \(nulOffset)"), make: Self.file(lateNul)),
            Item(name: Array("utf16le.txt".utf8), destination: .stored, make: Self.file(utf16(try seed(0), littleEndian: true))),
            Item(name: Array("utf16be.txt".utf8), destination: .stored, make: Self.file(utf16(try seed(1), littleEndian: false))),
            Item(name: Array("new\nline.txt".utf8), destination: .stored, make: Self.file(try seed(2))),
            Item(name: Array("esc\u{1B}[31mred.txt".utf8), destination: .stored, make: Self.file(try seed(3))),
            Item(name: [0x66, 0xFF, 0xFE] + Array(".txt".utf8), destination: .stored, make: Self.file(try seed(4))),
            Item(name: Array("-rf --no-preserve-root".utf8), destination: .stored, make: Self.file(factory.article())),
        ]

        // A character device (like /dev/null: major 1, minor 3) needs root to create.
        let probe = workspace.dir("device-probe").path
        if mknod(probe, S_IFCHR | 0o600, (1 << 8) | 3) == 0 {
            unlink(probe)
            table.append(Item(name: Array("device".utf8), destination: .quarantined(reason: "not a regular file (device)")) { path in
                #expect(mknod(String(decoding: path, as: UTF8.self), S_IFCHR | 0o600, (1 << 8) | 3) == 0)
            })
        }

        let daemon = try RunningDaemon(workspace)
        for item in table {
            try item.make(Array(workspace.inbox.path.utf8) + [UInt8(ascii: "/")] + item.name)
        }
        let expectedDone = Int64(table.filter { $0.destination != .stays }.count)
        let status = try daemon.waitForProcessed(expectedDone)
        #expect(status.state == .running)
        #expect(status.articles == Int64(table.filter { $0.destination == .stored }.count))

        for item in table {
            let display = String(decoding: item.name, as: UTF8.self)
            switch item.destination {
            case .stays:
                #expect(workspace.files(in: "inbox").contains(display), "\(display) stays in the inbox")
            case .stored:
                #expect(workspace.filesBelow("processed").contains(display) || rawFilesBelow(workspace.dir("processed")).contains(item.name),
                        "\(display) processed")
            case .quarantined(let reason):
                let reasonFile = workspace.dir("quarantine").appendingPathComponent("." + display + ".reason")
                let text = (try? String(contentsOf: reasonFile, encoding: .utf8)) ?? "(no reason file)"
                #expect(text.contains(reason), "\(display): \(text)")
                #expect(rawListing(workspace.dir("quarantine")).contains(item.name), "\(display) in quarantine")
            }
        }
        // Nothing outside the inbox was touched through a link.
        #expect(try String(contentsOf: outside.appendingPathComponent("secret.txt"), encoding: .utf8) == "outside secret")
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("other-name.txt").path))

        // Names are escaped wherever they are shown: the feed, the log.
        let export = try ctl(workspace, "export").text
        #expect(export.contains("\"source\":\"new\\\\x0aline.txt\""))
        #expect(export.contains("\"source\":\"esc\\\\x1b[31mred.txt\""))
        #expect(export.contains("\"source\":\"f\\\\xff\\\\xfe.txt\""))
        #expect(export.contains("\"source\":\"-rf --no-preserve-root\""))
        let log = daemon.log
        #expect(!log.contains("\u{1B}"), "no raw escape character in the log")
        for line in log.split(separator: "\n") {
            #expect(line.hasPrefix("20"), "every log line starts with its timestamp: \(line.prefix(80))")
        }
        // Still serving, still ingesting.
        try workspace.drop("after.txt", factory.article())
        #expect(try daemon.waitForProcessed(expectedDone + 1).articles == status.articles + 1)
        #expect(try daemon.stop() == 0)
    }

    @Test func aSlowWriterInPlaceIsTakenOnlyWhenComplete() throws {
        try slowWriter(reopenEachChunk: false)
    }

    @Test func aSlowWriterThatReopensEachChunkIsTakenOnlyWhenComplete() throws {
        try slowWriter(reopenEachChunk: true)
    }

    func slowWriter(reopenEachChunk: Bool) throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace, environment: ["NEWSDEDUP_MIN_FILE_AGE": "1"])
        let content = try Seeds.bytes(Seeds.names[1])
        let path = workspace.inbox.appendingPathComponent("slow.txt").path
        let chunks = stride(from: 0, to: content.count, by: content.count / 8 + 1).map { content[$0..<min($0 + content.count / 8 + 1, content.count)] }
        var fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        for chunk in chunks {
            if reopenEachChunk, fd < 0 { fd = open(path, O_WRONLY | O_APPEND) }
            _ = chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            if reopenEachChunk { close(fd); fd = -1 }
            usleep(400_000)
            let s = try daemon.status()
            #expect(s.articles + s.quarantined == 0, "taken while still being written")
            #expect(FileManager.default.fileExists(atPath: path))
        }
        if fd >= 0 { close(fd) }
        try daemon.waitForProcessed(1)
        #expect(try ctl(workspace, "show", "1").stdout == content, "the whole file, not a prefix")
        #expect(try daemon.stop() == 0)
    }
}

/// The raw names in a directory.
/// The raw names of the files anywhere below `url` (processed/DAY/BATCH/).
func rawFilesBelow(_ url: URL) -> [[UInt8]] {
    guard let dir = opendir(url.path) else { return [] }
    defer { closedir(dir) }
    var names: [[UInt8]] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
        if name == [0x2E] || name == [0x2E, 0x2E] { continue }
        if entry.pointee.d_type == UInt8(DT_DIR) {
            names += rawFilesBelow(url.appendingPathComponent(String(decoding: name, as: UTF8.self)))
        } else {
            names.append(name)
        }
    }
    return names
}

func rawListing(_ url: URL) -> [[UInt8]] {
    guard let dir = opendir(url.path) else { return [] }
    defer { closedir(dir) }
    var names: [[UInt8]] = []
    while let entry = readdir(dir) {
        names.append(withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) })
    }
    return names
}
