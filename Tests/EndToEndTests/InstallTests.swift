import Foundation
import Glibc
import TestSupport
import Testing

/// scripts/install.sh into a staging root (DESTDIR), so the test changes nothing on the machine.
@Suite struct InstallTests {
    let repository = Seeds.directory.deletingLastPathComponent()

    func install(_ stage: URL, _ arguments: [String]) throws -> Run {
        try run("/usr/bin/env", ["DESTDIR=\(stage.path)", "PREFIX=/usr", "bash",
                                        repository.appendingPathComponent("scripts/install.sh").path] + arguments)
    }

    func mode(_ url: URL) -> Int {
        var info = stat()
        return stat(url.path, &info) == 0 ? Int(info.st_mode & 0o7777) : -1
    }

    @Test func installsIntoDestdirKeepsConfigurationAndUninstalls() throws {
        let stage = FileManager.default.temporaryDirectory.appendingPathComponent("nde-stage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: stage) }
        let first = try install(stage, ["--bin-dir", Binaries.directory.path])
        #expect(first.status == 0, "\(first.stderr)")
        let daemon = stage.appendingPathComponent("usr/bin/newsdedupd")
        #expect(mode(daemon) == 0o755)
        #expect(mode(stage.appendingPathComponent("usr/bin/newsdedupctl")) == 0o755)
        let unit = try String(contentsOf: stage.appendingPathComponent("etc/systemd/system/newsdedupd.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/bin/newsdedupd --config /etc/newsdedup/newsdedup.yaml"))
        let config = stage.appendingPathComponent("etc/newsdedup/newsdedup.yaml")
        #expect(mode(config) == 0o640)
        let check = try run(daemon.path, ["--config", config.path, "--check-config"])
        #expect(check.text.contains("configuration OK"), "the installed configuration is valid: \(check.stderr)")

        try Data("inbox: /srv/in\n".utf8).write(to: config)
        #expect(try install(stage, ["--bin-dir", Binaries.directory.path]).status == 0)
        #expect(try String(contentsOf: config, encoding: .utf8) == "inbox: /srv/in\n", "an operator's configuration is kept")
        #expect(FileManager.default.fileExists(atPath: config.path + ".new"))

        #expect(try install(stage, ["--uninstall"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.path))
        #expect(!FileManager.default.fileExists(atPath: stage.appendingPathComponent("etc/systemd/system/newsdedupd.service").path))
        #expect(FileManager.default.fileExists(atPath: config.path), "uninstall keeps the configuration")
    }
}
