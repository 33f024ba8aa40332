import ArticleStore
import ControlProtocol
import DedupCore

// The store's and the core's closed sets as the wire names them: one mapping each, checked by
// the compiler (a new case on either side does not build until it is mapped here).

extension FeedKind {
    init(_ kind: FeedEntry.Kind) {
        switch kind {
        case .article: self = .article
        case .duplicate: self = .duplicate
        }
    }
}

extension WireDuplicateKind {
    init(_ kind: ArticleStore.DuplicateKind) {
        switch kind {
        case .exact: self = .exact
        case .near: self = .near
        }
    }
}

extension MatchedOn {
    init(_ path: MatchPath) {
        switch path {
        case .whole: self = .whole
        case .lead: self = .lead
        case .part: self = .part
        }
    }
}

extension MatchBasis {
    /// An exact match (the same text) has no path.
    init(_ path: MatchPath?) {
        switch path {
        case nil: self = .exact
        case .whole?: self = .whole
        case .lead?: self = .lead
        case .part?: self = .part
        }
    }
}
