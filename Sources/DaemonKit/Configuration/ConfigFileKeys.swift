/// The top-level keys a YAML configuration file sets, with their line numbers, so a misspelt
/// key ("batch_szie") is an error instead of a setting silently left at its default: the
/// configuration library reads only the keys it is asked for and says nothing of the others.
/// newsdedup's settings are all top-level scalars, so a key is a line that starts in column
/// one: not a comment, not a list item, not a document marker, with a colon.
enum ConfigFileKeys {
    static func topLevel(in text: String) -> [(line: Int, key: String)] {
        var keys: [(line: Int, key: String)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let first = line.first, !first.isWhitespace, !"#-.%".contains(first),
                  let colon = line.firstIndex(of: ":") else { continue }
            var key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if key.count >= 2, let quote = key.first, "\"'".contains(quote), key.last == quote {
                key = String(key.dropFirst().dropLast())
            }
            keys.append((index + 1, key))
        }
        return keys
    }

    /// An error for the first key of `text` that is not one of `known`, naming its line.
    static func checkKnown(_ text: String, file: String, known: [String]) throws(SettingsError) {
        for (line, key) in topLevel(in: text) where !known.contains(key) {
            throw SettingsError(key: key, message: "\(file) line \(line): not a setting (settings: \(known.joined(separator: ", ")))")
        }
    }
}
