import ArticleStore
import Foundation
import Glibc
import TestSupport
import Testing

/// Mounting a tmpfs needs root (CI runs as root); elsewhere these tests are skipped, saying why.
enum Mounts {
    static let available: Bool = {
        guard geteuid() == 0 else { return false }
        let probe = "/tmp/nde-mount-probe-\(getpid())"
        mkdir(probe, 0o700)
        defer { rmdir(probe) }
        guard (try? run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]))?.status == 0 else { return false }
        _ = try? run("/bin/umount", [probe])
        return true
    }()

    /// ext4 on a loop device, for a real read-only fault (errors=remount-ro).
    static let ext4Available: Bool = available && FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.ext4")
        && FileManager.default.fileExists(atPath: "/dev/loop-control")

    static func mount(_ directory: URL, size: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let result = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0755", "tmpfs", directory.path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Formats `image` as ext4 and mounts it on `directory`, read-only on the first error.
    static func mountExt4(_ image: URL, at directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: image.path, contents: nil))
        #expect(truncate(image.path, 64 << 20) == 0)
        let format = try run("/usr/sbin/mkfs.ext4", ["-q", "-F", image.path])
        #expect(format.status == 0, "\(format.stderr)")
        try mountExt4Again(image, at: directory)
    }

    static func mountExt4Again(_ image: URL, at directory: URL) throws {
        let result = try run("/bin/mount", ["-o", "loop,errors=remount-ro", image.path, directory.path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// What the kernel does on a metadata error: ext4 turns read-only under the open files.
    static func triggerExt4Error(at directory: URL) throws {
        let source = try run("/bin/findmnt", ["-n", "-o", "SOURCE", directory.path]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let device = URL(fileURLWithPath: source).lastPathComponent
        try Data("1".utf8).write(to: URL(fileURLWithPath: "/sys/fs/ext4/\(device)/trigger_fs_error"))
    }

    static func unmount(_ directory: URL) {
        _ = try? run("/bin/umount", ["-l", directory.path])
    }
}

/// The store on a small tmpfs that fills up, and on a file system remounted read-only: the
/// daemon says "degraded" with SQLite's error, quarantines nothing, loses nothing, and
/// resumes by itself once the fault is gone.
@Suite(.serialized, .enabled(if: Mounts.available, "needs root to mount a tmpfs; CI runs as root"))
struct StoreFaultTests {
    @Test func diskFullDegradesThenResumesWhenSpaceReturns() throws {
        let workspace = try Workspace()
        let storeDir = workspace.dir("db")
        try Mounts.mount(storeDir, size: "8m")
        defer { Mounts.unmount(storeDir) }
        let store = storeDir.appendingPathComponent("store.sqlite").path
        let daemon = try RunningDaemon(workspace, extra: ["--store", store])

        // Leave about 150 KB free, then drop more than fits.
        var info = statvfs()
        #expect(statvfs(storeDir.path, &info) == 0)
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        let filler = storeDir.appendingPathComponent("filler")
        try Data(count: max(0, free - 150_000)).write(to: filler)
        var factory = try ArticleFactory(seed: 11)
        let count = 150
        for index in 0..<count { try workspace.drop(String(format: "a-%03d.txt", index), factory.article()) }

        var status = try daemon.status()
        try waitFor("degraded", timeout: 60) {
            status = try daemon.status()
            return status.state == .degraded
        }
        #expect(status.lastError?.contains("full") == true, "\(String(describing: status.lastError))")
        #expect(status.quarantined == 0, "a store fault never quarantines a good file")
        let done = status.articles + status.exactDuplicates + status.nearDuplicates
        #expect(done < Int64(count))
        let waiting = workspace.files(in: "inbox").count + workspace.filesBelow("processing").count
        #expect(Int64(waiting) + done == Int64(count), "every file is stored or still waiting")

        try FileManager.default.removeItem(at: filler)
        let resumed = try daemon.waitForProcessed(Int64(count), timeout: 90)
        #expect(resumed.articles == Int64(count))
        #expect(try daemon.status().state == .running)
        // The last batch's folder moves just after its commit is counted.
        try waitFor("every file in processed/") { workspace.filesBelow("processed").count == count }
        #expect(try daemon.stop() == 0)
        let check = try Store(path: store)
        #expect(try check.integrityCheck() == ["ok"])
        try check.close()
    }

    /// The store's file system turns read-only under the daemon (ext4 errors=remount-ro). The
    /// daemon degrades and lets go of the store, so the operator can unmount, check and mount
    /// it again; the daemon then resumes by itself.
    @Test(.enabled(if: Mounts.ext4Available, "needs mkfs.ext4 and loop devices"))
    func readOnlyFileSystemDegradesAndResumesAfterRepair() throws {
        let workspace = try Workspace()
        let storeDir = workspace.dir("db")
        let image = workspace.dir("db.img")
        try Mounts.mountExt4(image, at: storeDir)
        defer { Mounts.unmount(storeDir) }
        let daemon = try RunningDaemon(workspace, extra: ["--store", storeDir.appendingPathComponent("store.sqlite").path])
        try workspace.dropSeeds()
        try daemon.waitForProcessed(5)

        // Commits so far reach their home blocks first: an aborted ext4 journal, cleared by
        // e2fsck, would otherwise take fsynced data with it (a file system loss, not ours).
        sync()
        try Mounts.triggerExt4Error(at: storeDir)
        var factory = try ArticleFactory(seed: 12)
        for index in 0..<3 { try workspace.drop("late-\(index).txt", factory.article()) }
        var status = try daemon.status()
        try waitFor("degraded", timeout: 30) {
            status = try daemon.status()
            return status.state == .degraded
        }
        #expect(status.lastError != nil)
        #expect(status.quarantined == 0, "a store fault never quarantines a good file")
        #expect(status.articles == 5, "status still reports the last counts known")
        #expect(workspace.files(in: "inbox").count + workspace.filesBelow("processing").count == 3)

        // The operator's repair. Unmounting works only because the daemon holds nothing open there.
        try waitFor("the daemon to let go of the file system", timeout: 10) {
            (try run("/bin/umount", [storeDir.path])).status == 0
        }
        let fsck = try run("/usr/sbin/e2fsck", ["-f", "-y", image.path])
        #expect(fsck.status <= 1, "e2fsck: \(fsck.text) \(fsck.stderr)")
        try Mounts.mountExt4Again(image, at: storeDir)

        let resumed = try daemon.waitForProcessed(8, timeout: 60)
        #expect(resumed.articles == 8)
        #expect(try daemon.status().state == .running)
        #expect(try daemon.stop() == 0)
        print("read-only store reported as: \(status.lastError ?? "-")")
    }
}
