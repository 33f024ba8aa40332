/// The closed sets of the wire: each a string on the wire, an enum in Swift, so a reader
/// switches over the cases instead of comparing strings.

/// `status.state`: degraded (something is failing) outranks paused (an operator's choice).
public enum DaemonHealth: String, Codable, Sendable, CaseIterable {
    case running, paused, degraded
}

/// `record.kind`: a feed record announces a stored article or a duplicate of one.
public enum FeedKind: String, Codable, Sendable, CaseIterable {
    case article, duplicate
}

/// Whether a duplicate's canonical text is the same (exact) or near.
public enum DuplicateKind: String, Codable, Sendable, CaseIterable {
    case exact, near
}

/// How a near duplicate was found: its whole text, its lead, or a part it shares (anchors).
public enum MatchedOn: String, Codable, Sendable, CaseIterable {
    case whole, lead, part
}

/// `similar`: why a stored article is shown: the same text, or near on one of the paths.
public enum MatchBasis: String, Codable, Sendable, CaseIterable {
    case exact, whole, lead, part
}

/// `DuplicateKind` under a name that modules with a `DuplicateKind` of their own (the store's)
/// can use: the module's own enum `ControlProtocol` hides the module name as a qualifier.
public typealias WireDuplicateKind = DuplicateKind
