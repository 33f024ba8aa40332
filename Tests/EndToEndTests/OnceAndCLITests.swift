import ControlProtocol
import Foundation
import Glibc
import SystemSupport
import TestSupport
import Testing

@Suite(.serialized) struct OnceAndCLITests {
    func once(_ workspace: Workspace) throws -> Run {
        try run(Binaries.daemon, ["--once", "--inbox", workspace.inbox.path, "--store", workspace.store])
    }

    @Test func onceDrainsAndNothingIsStoredTwice() throws {
        let workspace = try Workspace()
        try workspace.dropSeeds()
        let first = try once(workspace)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.text.contains("5 stored, 0 exact duplicates"))
        #expect(workspace.filesBelow("processed").count == 5)
        #expect(workspace.filesBelow("processing").isEmpty)

        let again = try once(workspace)
        #expect(again.status == 0)
        #expect(again.text.contains("0 stored, 0 exact duplicates, 0 near duplicates, 0 quarantined"))

        // The same stories dropped again, one of them as UTF-16LE with a BOM: duplicates only.
        try workspace.dropSeeds()
        let utf16 = Data([0xFF, 0xFE]) + String(decoding: try Seeds.bytes(Seeds.names[2]), as: UTF8.self).utf16
            .reduce(into: Data()) { $0.append(UInt8($1 & 0xFF)); $0.append(UInt8($1 >> 8)) }
        try workspace.drop("utf16.txt", utf16)
        let third = try once(workspace)
        #expect(third.text.contains("0 stored, 6 exact duplicates"), "\(third.text)")
        #expect(workspace.filesBelow("processed").count == 11, "the same names again, in their own batch folders: nothing replaced")
    }

    /// processed/ holds a directory per UTC day and in it a folder per committed batch; a batch
    /// with nothing committed (here one empty file, quarantined) leaves no folder anywhere.
    @Test func processedIsByDayThenBatchAndNoFolderIsLeftBehind() throws {
        let workspace = try Workspace()
        try workspace.dropSeeds()
        #expect(try once(workspace).status == 0)
        try workspace.drop("empty.txt", Data())
        let second = try once(workspace)
        #expect(second.text.contains("0 stored, 0 exact duplicates, 0 near duplicates, 1 quarantined"), "\(second.text)")

        let days = workspace.files(in: "processed")
        #expect(days.count == 1)
        let today = RFC3339.string(fromMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)).prefix(10)
        let yesterday = RFC3339.string(fromMilliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 86_400_000).prefix(10)
        #expect(days.first.map { $0 == today || $0 == yesterday } == true, "\(days)")
        let batches = workspace.files(in: "processed/\(days.first ?? "")")
        #expect(batches.count == 1, "\(batches)")
        #expect(batches.allSatisfy { $0.range(of: #"^\d{8}T\d{6}\.\d{3}Z-\d+$"#, options: .regularExpression) != nil }, "\(batches)")
        #expect(workspace.filesBelow("processed") == Seeds.names.sorted())
        #expect(workspace.files(in: "processing").isEmpty, "no empty batch folder stays")
        #expect(workspace.files(in: "quarantine").contains("empty.txt"))
    }

    /// What a crash or an older version leaves in processing/: a batch folder never committed,
    /// and a file loose at its top. Both are finished on the next start, nothing counted twice.
    @Test func leftoversInProcessingAreFinished() throws {
        let workspace = try Workspace()
        let folder = workspace.dir("processing/20260101T000000.000Z-1")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Seeds.bytes(Seeds.names[0]).write(to: folder.appendingPathComponent(Seeds.names[0]))
        try Seeds.bytes(Seeds.names[1]).write(to: folder.appendingPathComponent(Seeds.names[1]))
        try Seeds.bytes(Seeds.names[2]).write(to: workspace.dir("processing").appendingPathComponent(Seeds.names[2]))
        try workspace.drop("copy.txt", try Seeds.bytes(Seeds.names[0]))
        let result = try once(workspace)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text.contains("3 stored, 1 exact duplicates"), "\(result.text)")
        #expect(workspace.files(in: "processing").isEmpty)
        #expect(workspace.filesBelow("processed") == (Array(Seeds.names.prefix(3)) + ["copy.txt"]).sorted())
    }

    /// Batches of three: each is claimed and prepared while the one before commits, and moved
    /// while the one after commits. A copy in the neighbouring batch must still be caught (the
    /// verdict is the commit's, not the preparation's), and every file must end up somewhere.
    @Test func overlappingBatchesLoseNothingAndMissNoCopy() throws {
        let workspace = try Workspace()
        let config = workspace.root.appendingPathComponent("n.yaml")
        try Data("batch_size: 3\nmin_file_age: 0\n".utf8).write(to: config)
        var factory = try ArticleFactory(seed: 11)
        for index in 0..<40 {
            let article = factory.article()
            try workspace.drop(String(format: "a%03d-first.txt", index), article)
            try workspace.drop(String(format: "a%03d-second.txt", index), article)
            if index % 4 == 0 { try workspace.drop(String(format: "a%03d-empty.txt", index), Data()) }
        }
        let result = try run(Binaries.daemon, ["--config", config.path, "--once", "--inbox", workspace.inbox.path, "--store", workspace.store])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text.contains("40 stored, 40 exact duplicates, 0 near duplicates, 10 quarantined"), "\(result.text)")
        #expect(workspace.filesBelow("processed").count == 80)
        #expect(workspace.files(in: "quarantine").filter { !$0.hasSuffix(".reason") }.count == 10)
        #expect(workspace.filesBelow("processing").isEmpty)
        #expect(workspace.files(in: "inbox").isEmpty)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func onceShowsAProgressBarOnATerminalOnly() throws {
        let workspace = try Workspace()
        var factory = try ArticleFactory(seed: 3)
        for index in 0..<150 { try workspace.drop("f\(index).txt", factory.article()) }
        let typescript = workspace.root.appendingPathComponent("typescript")
        let command = "\(Binaries.daemon) --once --inbox \(workspace.inbox.path) --store \(workspace.store)"
        let onTerminal = try run("/usr/bin/script", ["-qec", command, typescript.path])
        #expect(onTerminal.status == 0)
        let screen = String(decoding: try Data(contentsOf: typescript), as: UTF8.self)
        #expect(screen.contains("\r[##############################] 150/150 files"), "\(screen.suffix(400))")
        #expect(!screen.contains("info newsdedupd"), "per-file lines are held back under the bar")

        for index in 0..<20 { try workspace.drop("g\(index).txt", factory.article()) }
        let piped = try run(Binaries.daemon, ["--once", "--inbox", workspace.inbox.path, "--store", workspace.store])
        #expect(!piped.stderr.contains("\r"), "no bar when standard error is not a terminal")
        #expect(piped.stderr.contains("stored"), "the per-file log lines instead")
    }

    @Test func bothProgramsSayTheirVersion() throws {
        let daemon = try run(Binaries.daemon, ["--version"])
        #expect(daemon.status == 0 && daemon.text.hasPrefix("newsdedupd \(ControlProtocol.release) (fingerprint algorithm 4"), "\(daemon.text)")
        let ctl = try run(Binaries.ctl, ["--version"])
        #expect(ctl.status == 0 && ctl.text.hasPrefix("newsdedupctl \(ControlProtocol.release) (control protocol 1)"), "\(ctl.text)")
    }

    @Test func similarOnAMissingFileOrADirectorySaysWhyInASentence() throws {
        let missing = try run(Binaries.ctl, ["similar", "/nonexistent/article.txt"])
        #expect(missing.status == 1 && missing.stderr == "newsdedupctl: cannot read /nonexistent/article.txt: No such file or directory\n",
                "\(missing.stderr)")
        let directory = try run(Binaries.ctl, ["similar", FileManager.default.temporaryDirectory.path])
        #expect(directory.status == 1 && directory.stderr.hasSuffix(": Is a directory\n") && !directory.stderr.contains("Domain"),
                "\(directory.stderr)")
    }

    @Test func checkConfigPrintsTheEffectiveSettings() throws {
        let workspace = try Workspace()
        let config = workspace.root.appendingPathComponent("n.yaml")
        try Data("poll_interval: 5\nmax_distance: 6\n".utf8).write(to: config)
        let result = try run(Binaries.daemon, ["--config", config.path, "--inbox", workspace.inbox.path, "--max-distance", "4", "--check-config"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text.contains("poll_interval: 5.0"))
        #expect(result.text.contains("max_distance: 4"), "a flag beats the file")
        #expect(result.text.contains("configuration OK"))

        // A configuration that cannot be read is named with the system's reason, no Foundation dump.
        for (path, reason) in [("/nonexistent/n.yaml", "No such file or directory"), (workspace.root.path, "it is a directory, not a file")] {
            let unreadable = try run(Binaries.daemon, ["--config", path, "--check-config"])
            #expect(unreadable.status == 78 && unreadable.stderr.contains("cannot read \(path): \(reason)")
                    && !unreadable.stderr.contains("Domain"), "\(unreadable.stderr)")
        }

        let bad = try run(Binaries.daemon, ["--inbox", workspace.inbox.path, "--poll-interval", "soon", "--check-config"])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("\"poll_interval\""))

        // A misspelt key is an error naming it and its line, not a setting left at its default;
        // comments, a document marker and quoted keys are fine.
        try Data("---\n# batches\n\"poll_interval\": 5\nbatch_szie: 3\n".utf8).write(to: config)
        let typo = try run(Binaries.daemon, ["--config", config.path, "--inbox", workspace.inbox.path, "--check-config"])
        #expect(typo.status == 78, "\(typo.text)")
        #expect(typo.stderr.contains("\"batch_szie\""), "\(typo.stderr)")
        #expect(typo.stderr.contains("line 4"), "\(typo.stderr)")
        try Data("---\n# batches\n\"poll_interval\": 5\nbatch_size: 3\n".utf8).write(to: config)
        #expect(try run(Binaries.daemon, ["--config", config.path, "--inbox", workspace.inbox.path, "--check-config"]).status == 0)

        // So is a misspelt environment variable; a right one is a setting.
        let envTypo = try run(Binaries.daemon, ["--inbox", workspace.inbox.path, "--check-config"],
                              environment: ["NEWSDEDUP_BATCH_SZIE": "5"])
        #expect(envTypo.status == 78 && envTypo.stderr.contains("NEWSDEDUP_BATCH_SZIE is not a setting"), "\(envTypo.stderr)")
        let envRight = try run(Binaries.daemon, ["--inbox", workspace.inbox.path, "--check-config"],
                               environment: ["NEWSDEDUP_BATCH_SIZE": "5"])
        #expect(envRight.status == 0 && envRight.text.contains("batch_size: 5"), "\(envRight.stderr)")
    }

    /// A `socket_group` that does not exist is refused by `--check-config`; one the daemon's
    /// user cannot give its socket to stops the daemon with a sentence saying why, and its
    /// socket does not stay behind. A wrongly typed value names its line and what was expected.
    @Test func socketGroupAndTypedValuesAreCheckedBeforeTheyBite() throws {
        let workspace = try Workspace()
        let missing = try run(Binaries.daemon, ["--inbox", workspace.inbox.path, "--check-config"],
                              environment: ["NEWSDEDUP_SOCKET_GROUP": "no-such-group-nde"])
        #expect(missing.status == 78 && missing.stderr.contains("\"socket_group\"")
                && missing.stderr.contains("expected the name or number of a group on this system"), "\(missing.stderr)")

        let config = workspace.root.appendingPathComponent("n.yaml")
        try Data("poll_interval: 5\nmax_distance: seven\n".utf8).write(to: config)
        let typed = try run(Binaries.daemon, ["--config", config.path, "--inbox", workspace.inbox.path, "--check-config"])
        #expect(typed.status == 78 && typed.stderr.contains("line 2") && typed.stderr.contains("\"seven\"")
                && typed.stderr.contains("expected a whole number from 0 to 16"), "\(typed.stderr)")

        // As an unprivileged user outside the group, giving the socket away is refused.
        guard OtherUser.available else { return }
        chmod(workspace.root.path, 0o755)
        let binary = try OtherUser.copy(Binaries.daemon, into: workspace)
        _ = try run("/bin/chown", ["-R", "\(OtherUser.uid):\(OtherUser.gid)", workspace.root.path])
        let refused = try run("/usr/bin/setpriv", ["--reuid", "\(OtherUser.uid)", "--regid", "\(OtherUser.gid)", "--clear-groups", binary,
                                                   "--inbox", workspace.inbox.path, "--store", workspace.store, "--socket", workspace.socket],
                              environment: ["NEWSDEDUP_SOCKET_GROUP": "adm"])
        #expect(refused.status == 1 && refused.stderr.contains("cannot give the socket to group adm: Operation not permitted")
                && refused.stderr.contains("not a member of adm"), "\(refused.status): \(refused.stderr)")
        #expect(access(workspace.socket, F_OK) != 0, "the socket stayed behind")
    }

    /// `newsdedupctl` finds the daemon from its configuration file: the `socket` key, or
    /// control.sock beside the `inbox`, as the daemon derives it; `$NEWSDEDUP_SOCKET` before
    /// that; a file that cannot be read is a usage error in one sentence.
    @Test func ctlFindsTheSocketThroughTheDaemonsConfiguration() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        let withSocket = workspace.root.appendingPathComponent("socket.yaml")
        try Data("socket: \(workspace.socket)\n".utf8).write(to: withSocket)
        let withInbox = workspace.root.appendingPathComponent("inbox.yaml")
        try Data("inbox: \(workspace.inbox.path)\npoll_interval: 1\n".utf8).write(to: withInbox)
        // The harness names its socket c.sock; the daemon's default beside the inbox is control.sock.
        try FileManager.default.createSymbolicLink(atPath: workspace.root.appendingPathComponent("control.sock").path,
                                                   withDestinationPath: workspace.socket)
        for config in [withSocket, withInbox] {
            let status = try run(Binaries.ctl, ["--config", config.path, "status"])
            #expect(status.status == 0 && status.text.contains("state:"), "\(config.lastPathComponent): \(status.stderr)")
        }
        let environment = try run(Binaries.ctl, ["status"], environment: ["NEWSDEDUP_SOCKET": workspace.socket])
        #expect(environment.status == 0, "\(environment.stderr)")
        let missing = try run(Binaries.ctl, ["--config", "/nonexistent/n.yaml", "status"])
        #expect(missing.status == 64 && missing.stderr == "newsdedupctl: cannot read /nonexistent/n.yaml: No such file or directory\n",
                "\(missing.stderr)")
        #expect(try daemon.stop() == 0)
    }

    /// Paths that cannot be used are named in a sentence with the system's reason, never a
    /// Foundation error dump.
    @Test func unusablePathsAreSaidInASentence() throws {
        let workspace = try Workspace()
        let cases: [([String], String)] = [
            (["--store", "/proc/nope/store.sqlite"], "cannot create the store's directory /proc/nope: No such file or directory"),
            (["--store", workspace.root.path], "the store \(workspace.root.path) is a directory; the store is a file"),
        ]
        for (arguments, message) in cases {
            let result = try run(Binaries.daemon, ["--once", "--inbox", workspace.inbox.path] + arguments)
            #expect(result.status != 0 && result.stderr.contains(message) && !result.stderr.contains("Domain"), "\(result.stderr)")
        }
    }

    /// Every script says what it does and how to call it, and does nothing else, with --help.
    @Test func everyScriptAnswersHelp() throws {
        let scripts = Seeds.directory.deletingLastPathComponent().appendingPathComponent("scripts")
        let names = try FileManager.default.contentsOfDirectory(atPath: scripts.path).filter { $0.hasSuffix(".sh") }.sorted()
        #expect(names.count >= 8, "\(names)")
        for name in names {
            let help = try run("/bin/bash", [scripts.appendingPathComponent(name).path, "--help"], timeout: 10)
            #expect(help.status == 0 && help.text.contains("scripts/\(name)") && help.stderr.isEmpty,
                    "\(name): \(help.status) \(help.text) \(help.stderr)")
        }
    }

    @Test func ctlExitCodes() throws {
        let workspace = try Workspace()
        let notRunning = try ctl(workspace, "status")
        #expect(notRunning.status == 3)
        #expect(notRunning.stderr.contains("not running"))

        let daemon = try RunningDaemon(workspace)
        let missing = try ctl(workspace, "show", "999")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("8002"))
        let usage = try ctl(workspace, "show", "-5")
        #expect(usage.status == 64)
        #expect(try ctl(workspace, "status").text.contains("state:"))
        #expect(try daemon.stop() == 0)
    }

    @Test func garbageOnTheSocketGetsErrorRepliesAndServiceGoesOn() throws {
        let workspace = try Workspace()
        let daemon = try RunningDaemon(workspace)
        let replies = RawSocket.exchange(workspace.socket, [
            Data("{\"version\":2,\"command\":\"status\"}\n".utf8),
            Data("this is not json\n".utf8),
            Data("{\"version\":1,\"command\":\"launch\"}\n".utf8),
            Data(repeating: 0x41, count: 100_000) + Data("\n".utf8),
            Data("{\"version\":1,\"command\":\"status\"}\n".utf8),
        ])
        let types = try replies.map { try JSONDecoder().decode(Response.self, from: $0) }
        #expect(types.map { ErrorReply($0)?.code } == [.unsupportedVersion, .malformedRequest, .unknownCommand, .requestTooLong, nil])
        #expect(types.last.flatMap(StatusReport.init)?.state == .running)
        #expect(try daemon.status().state == .running)
        #expect(try daemon.stop() == 0)
    }
}
