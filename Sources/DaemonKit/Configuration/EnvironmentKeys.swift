/// `NEWSDEDUP_<KEY>` variables set settings; one whose key is not a setting (a typo such as
/// `NEWSDEDUP_BATCH_SZIE`) is an error, as a misspelt key in the file is, instead of a setting
/// silently left at its default: the configuration library reads only the keys it is asked for.
enum EnvironmentKeys {
    static let prefix = "NEWSDEDUP_"

    /// Variables with the prefix that are not settings: the ingest test hook (`IngestPipeline`)
    /// and the knobs of newsdedup's own test harness and soak scripts, which a daemon they
    /// start inherits.
    static let notSettings: Set<String> = ["NEWSDEDUP_FAILPOINT", "NEWSDEDUP_BIN_DIR", "NEWSDEDUP_SOAK_FILES", "NEWSDEDUP_SOAK_ROUNDS"]

    /// An error for the first variable of `environment` (by name) that has the prefix and
    /// names no setting of `known`.
    static func checkKnown(_ environment: [String: String], known: [String]) throws(SettingsError) {
        for name in environment.keys.sorted() where name.hasPrefix(prefix) && !notSettings.contains(name) {
            let key = name.dropFirst(prefix.count).lowercased()
            guard !known.contains(key) else { continue }
            throw SettingsError(key: name, message: "environment variable \(name) is not a setting (settings: "
                + known.map { prefix + $0.uppercased() }.joined(separator: ", ") + ")")
        }
    }
}
