import Configuration
import ControlProtocol
import Foundation
import SystemPackage

/// The daemon's effective settings, after layering: built-in defaults < configuration file <
/// environment (`NEWSDEDUP_<KEY>`) < command-line flags. What each one is, its default, range
/// and whether a reload applies it: `DaemonSettings.table`.
public struct DaemonSettings: Sendable {
    public var inbox: String
    /// Claimed files wait here between claim and commit; must be on the inbox's file system.
    public var processing: String
    public var processed: String
    /// Days committed files stay in processed/; nil: forever, 0: deleted once committed.
    public var keepProcessed: Int?
    public var quarantine: String
    public var store: String
    public var socket: String
    public var pollInterval: Double
    public var maxDistance: Int
    public var maxFileSize: Int
    public var batchSize: Int
    public var logLevel: String
    /// Seconds a file written in place must stay unchanged (across two looks) before it is taken.
    public var minFileAge: Double
    /// A shell glob of names never touched, besides dotfiles, `*.tmp` and `*.part`.
    public var exclude: String?
    /// The group given the control socket (its members may read through it).
    public var socketGroup: String?
    /// Seconds a control connection may stay silent with no request in progress.
    public var controlIdleTimeout: Double
    /// Control connections open at once, at most.
    public var controlMaxConnections: Int
    /// HOST:PORT of the HTTP listener for Prometheus (`/metrics`); nil: none.
    public var metricsListen: String?
    /// The dedup window in days: older articles leave the near-duplicate index (0: keep all).
    public var retentionDays: Double
    /// With a window: delete older articles (and their duplicates and feed records) instead.
    public var retentionDelete: Bool

    /// Resolves the settings. `flags` holds only the flags the user gave.
    public static func resolve(
        flags: [String: String], configFile: String?, environment: [String: String]
    ) async throws(SettingsError) -> DaemonSettings {
        try EnvironmentKeys.checkKnown(environment, known: keys)
        var fileKeys: [String: Int] = [:]
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: Dictionary(uniqueKeysWithValues: flags.map {
                (AbsoluteConfigKey($0.key.split(separator: ".").map(String.init)), ConfigValue(.string($0.value), isSecret: false))
            })),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "newsdedup"),
        ]
        if let configFile {
            // The system's reason in a sentence first: the library's error for a directory or an
            // unreadable file is Foundation's NSCocoaErrorDomain dump.
            let fd = open(configFile, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw SettingsError(key: "config", message: "cannot read \(configFile): \(String(cString: strerror(errno)))")
            }
            var status = stat()
            let isDirectory = fstat(fd, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
            close(fd)
            if isDirectory { throw SettingsError(key: "config", message: "cannot read \(configFile): it is a directory, not a file") }
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(configFile)))
            } catch {
                throw SettingsError(key: "config", message: "cannot read \(configFile): \(error)")
            }
            // Read again for its keys: the file parsed, so it is there and is YAML.
            if let text = try? String(contentsOfFile: configFile, encoding: .utf8) {
                try ConfigFileKeys.checkKnown(text, file: configFile, known: keys)
                for (line, key) in ConfigFileKeys.topLevel(in: text) { fileKeys[key] = line }
            }
        }
        return try read(LayeredReader(reader: ConfigReader(providers: providers), fileKeys: fileKeys, file: configFile))
    }
}

/// A setting that is missing, unreadable or out of range, with the key that is wrong.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let message: String

    public var description: String { "configuration key \"\(key)\": \(message)" }
}

/// Reads each setting from whichever layer has it and checks its type and range: a value that
/// does not parse, is out of range, or is a list or map where one value belongs is an error
/// naming the key, the file's line and what was expected, never a silent fall-back to the
/// default (the configuration library returns nothing for a wrongly shaped key).
struct LayeredReader {
    let reader: ConfigReader
    /// The top-level keys the configuration file sets, with their lines.
    let fileKeys: [String: Int]
    let file: String?

    func value<T>(_ key: String, default defaultValue: T, expected: String, parse: (String) -> T?) throws(SettingsError) -> T {
        let configKey = ConfigKey(key)
        guard let text = reader.string(forKey: configKey) ?? reader.int(forKey: configKey).map(String.init)
            ?? reader.double(forKey: configKey).map({ String($0) }) ?? reader.bool(forKey: configKey).map({ String($0) })
        else {
            if let line = fileKeys[key], let file {
                throw SettingsError(key: key, message: "\(file) line \(line): expected \(expected), found a list, a map or nothing")
            }
            return defaultValue
        }
        guard let value = parse(text.trimmingCharacters(in: .whitespaces)) else {
            let place = fileKeys[key].map { line in file.map { "\($0) line \(line): " } ?? "" } ?? ""
            throw SettingsError(key: key, message: "\(place)invalid value \"\(text)\": expected \(expected)")
        }
        return value
    }

    /// A setting that is off unless given: empty or absent is nil, a text `isValid` refuses is
    /// an error. (A parse closure of type `String??` would need `.some(nil)` for the default and
    /// `.none` for invalid, which a ternary with a bare `nil` gets silently wrong.)
    func optional(_ key: String, expected: String, isValid: (String) -> Bool = { _ in true }) throws(SettingsError) -> String? {
        try value(key, default: nil as String?, expected: expected) { text -> String?? in
            if text.isEmpty { return .some(nil) }
            return isValid(text) ? .some(text) : .none
        }
    }

    func path(_ key: String, default defaultValue: String) throws(SettingsError) -> String {
        try value(key, default: defaultValue, expected: "a path") { $0.isEmpty || $0.contains("\0") ? nil : $0 }
    }

    /// A finite number of seconds (or days) within `range`.
    func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(SettingsError) -> Double {
        try value(key, default: defaultValue, expected: "a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))") {
            Double($0).flatMap { $0.isFinite && range.contains($0) ? $0 : nil }
        }
    }

    func whole(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(SettingsError) -> Int {
        try value(key, default: defaultValue, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
