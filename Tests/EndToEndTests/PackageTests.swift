import ControlProtocol
import Foundation
import Glibc
import TestSupport
import Testing

/// The Debian package, as a server gets it: built by `scripts/package-deb.sh` from the release
/// binaries, inspected, lintian-clean, installed into this machine with `dpkg -i`, the daemon
/// started from the installed paths as the service user with the installed configuration and
/// the Swift toolchain hidden, `newsdedupctl status` with no flags reaching it, data kept by
/// `dpkg -r` and everything gone after `dpkg --purge`.
@Suite(.serialized) struct PackageTests {
    @Test(.enabled(if: Packaging.available, "needs root, dpkg-deb, lintian, unshare, setpriv, the release build (scripts/test.sh makes it) and no newsdedup installed"))
    func thePackageInstallsRunsWithoutTheToolchainAndPurgesCleanly() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("nde-deb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let built = try run("/bin/bash", [Packaging.project.appendingPathComponent("scripts/package-deb.sh").path,
                                          "--no-build", "--output", output.path], timeout: 900)
        try #require(built.status == 0, "\(built.stderr)")
        let deb = try #require(built.text.split(separator: "\n").last.map(String.init))
        #expect(deb.hasSuffix(".deb") && FileManager.default.fileExists(atPath: deb), "\(deb)")

        // What is in it, and what it needs.
        let listing = try run("/usr/bin/dpkg-deb", ["-c", deb]).text.split(separator: "\n")
        for path in ["./usr/bin/newsdedupd", "./usr/bin/newsdedupctl", "./usr/lib/systemd/system/newsdedupd.service",
                     "./usr/lib/sysusers.d/newsdedup.conf", "./usr/lib/tmpfiles.d/newsdedup.conf", "./etc/newsdedup/newsdedup.yaml",
                     "./usr/share/man/man1/newsdedupd.1.gz", "./usr/share/man/man1/newsdedupctl.1.gz",
                     "./usr/share/bash-completion/completions/newsdedupctl", "./usr/share/zsh/vendor-completions/_newsdedupctl",
                     "./usr/share/fish/vendor_completions.d/newsdedupctl.fish", "./usr/share/doc/newsdedup/copyright"] {
            #expect(listing.contains { $0.hasSuffix(" " + path) }, "\(path) is not in the package")
        }
        #expect(listing.contains { $0.hasPrefix("-rw-r----- root/root") && $0.hasSuffix(" ./etc/newsdedup/newsdedup.yaml") })
        let control = try run("/usr/bin/dpkg-deb", ["-f", deb, "Depends"]).text
        #expect(control.contains("libsqlite3-0") && !control.lowercased().contains("swift"), "\(control)")
        let conffiles = try run("/usr/bin/dpkg-deb", ["-I", deb, "conffiles"]).text
        #expect(conffiles == "/etc/newsdedup/newsdedup.yaml\n")
        let lintian = try run("/usr/bin/lintian", [deb], timeout: 300)
        let errors = (lintian.text + lintian.stderr).split(separator: "\n").filter { $0.hasPrefix("E: ") }
        #expect(errors.isEmpty, "lintian: \(errors)")

        // Installed into this machine; purged whatever happens below.
        let installed = try run("/usr/bin/dpkg", ["-i", deb], timeout: 300)
        defer { _ = try? run("/usr/bin/dpkg", ["--purge", "newsdedup"], timeout: 300) }
        try #require(installed.status == 0, "\(installed.stderr)")
        let user = try #require(getpwnam("newsdedup")?.pointee, "no newsdedup user after install")
        var info = stat()
        #expect(stat("/etc/newsdedup/newsdedup.yaml", &info) == 0 && info.st_gid == user.pw_gid && info.st_mode & 0o777 == 0o640)
        #expect(stat("/var/spool/newsdedup/inbox", &info) == 0 && info.st_uid == user.pw_uid && info.st_mode & 0o7777 == 0o2770)
        let verify = try run("/usr/bin/systemd-analyze", ["verify", "/usr/lib/systemd/system/newsdedupd.service"])
        #expect(verify.status == 0 && !verify.stderr.contains("newsdedupd.service:"), "\(verify.stderr)")
        #expect(FileManager.default.fileExists(atPath: "/usr/share/man/man1/newsdedupctl.1.gz"))

        // The toolchain hidden: the build tree's own binary cannot start, the installed ones do.
        let hidden = "mount -t tmpfs tmpfs \(Packaging.toolchainLibraries) && "
        let debug = try run("/usr/bin/unshare", ["-m", "--", "/bin/sh", "-c", hidden + "exec \(Binaries.daemon) --version"])
        #expect(debug.status != 0 && debug.stderr.contains("libswift"), "the toolchain was not hidden: \(debug.stderr)")
        let version = try run("/usr/bin/unshare", ["-m", "--", "/bin/sh", "-c", hidden + "exec /usr/bin/newsdedupctl --version"])
        #expect(version.status == 0 && version.text.hasPrefix("newsdedupctl "), "\(version.stderr)")

        for name in Seeds.names {
            let target = "/var/spool/newsdedup/inbox/\(name)"
            try Seeds.bytes(name).write(to: URL(fileURLWithPath: target))
            chown(target, user.pw_uid, user.pw_gid)
        }
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        daemon.arguments = ["-m", "--", "/bin/sh", "-c", hidden
            + "exec /usr/bin/setpriv --reuid newsdedup --regid newsdedup --init-groups /usr/bin/newsdedupd --config /etc/newsdedup/newsdedup.yaml"]
        let log = output.appendingPathComponent("daemon.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        daemon.standardError = try FileHandle(forWritingTo: log)
        daemon.standardOutput = daemon.standardError
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }

        // From a directory with no var/ in it, with no flags: the installed configuration says where.
        let status = "cd \(output.path) && exec /usr/bin/newsdedupctl status --json"
        var report: StatusReport?
        try waitFor("the installed daemon to store the seeds") {
            guard daemon.isRunning else {
                throw Timeout(description: "newsdedupd exited: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            let answer = try run("/usr/bin/unshare", ["-m", "--", "/bin/sh", "-c", hidden + status])
            report = try? JSONDecoder().decode(StatusReport.self, from: answer.stdout)
            return report?.articles == Int64(Seeds.names.count)
        }
        #expect(report?.store == "/var/lib/newsdedup/store.sqlite")
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

        // Remove keeps the data; purge takes everything, the user too.
        #expect(try run("/usr/bin/dpkg", ["-r", "newsdedup"], timeout: 300).status == 0)
        #expect(!FileManager.default.fileExists(atPath: "/usr/bin/newsdedupd"))
        #expect(FileManager.default.fileExists(atPath: "/var/lib/newsdedup/store.sqlite"), "remove must keep the store")
        #expect(FileManager.default.fileExists(atPath: "/etc/newsdedup/newsdedup.yaml"), "remove keeps the conffile")
        #expect(try run("/usr/bin/dpkg", ["--purge", "newsdedup"], timeout: 300).status == 0)
        for path in ["/etc/newsdedup", "/var/lib/newsdedup", "/var/spool/newsdedup", "/run/newsdedup",
                     "/etc/systemd/system/multi-user.target.wants/newsdedupd.service"] {
            #expect(access(path, F_OK) != 0 && errno == ENOENT, "\(path) left behind by purge")
        }
        #expect(getpwnam("newsdedup") == nil && getgrnam("newsdedup") == nil, "the user or group left behind by purge")
    }
}

enum Packaging {
    static let project = Seeds.directory.deletingLastPathComponent()
    static let release = project.appendingPathComponent(".build/release")

    /// The toolchain's library directory (beside the `swift` on PATH): hidden under a tmpfs to
    /// show the installed binaries do not need it.
    static let toolchainLibraries: String = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/swift"
            guard FileManager.default.isExecutableFile(atPath: candidate), let real = realpath(candidate, nil) else { continue }
            defer { free(real) }
            return URL(fileURLWithPath: String(cString: real)).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("lib").path
        }
        return "/opt/swift/usr/lib"
    }()

    static let available = geteuid() == 0
        && ["/usr/bin/dpkg-deb", "/usr/bin/lintian", "/usr/bin/unshare", "/usr/bin/setpriv", "/usr/bin/fakeroot",
            "/usr/bin/systemd-analyze"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
        && FileManager.default.isExecutableFile(atPath: release.appendingPathComponent("newsdedupd").path)
        && FileManager.default.isExecutableFile(atPath: project.appendingPathComponent(".build/debug/generate-manual").path)
        && access("/etc/newsdedup", F_OK) != 0 && getpwnam("newsdedup") == nil
}
