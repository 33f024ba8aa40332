import ArticleStore
import DedupCore
import Synchronization

/// The preset dictionaries new bodies are compressed with, shared by the lanes (which read them
/// once a batch and count the text they compress without one) and the committer (which has the
/// store train a script's first dictionary once enough of its text is stored without one, and
/// hands it to the lanes from the next batch on).
final class CompressionDictionaries: Sendable {
    private struct State {
        var current: [WritingScript: PresetDictionary]
        /// Bytes compressed without a dictionary since the last training, by script.
        var without: [WritingScript: Int] = [:]
    }

    private let state: Mutex<State>

    init(_ current: [WritingScript: PresetDictionary]) {
        state = Mutex(State(current: current))
    }

    var current: [WritingScript: PresetDictionary] { state.withLock { $0.current } }

    func countWithout(_ script: WritingScript, bytes: Int) {
        state.withLock { $0.without[script, default: 0] += bytes }
    }

    /// The scripts with enough text stored without a dictionary to train one; their counts
    /// start again (a script whose text turned out to be duplicates is asked again later).
    func takeDue() -> Set<WritingScript> {
        state.withLock { state in
            // A batch prepared while the dictionary was trained counted without one: forgotten.
            for script in state.current.keys { state.without[script] = nil }
            let due = Set(state.without.filter { $0.value >= Store.dictionaryTrainingBytes }.keys)
            for script in due { state.without[script] = 0 }
            return due
        }
    }

    /// The store's newest dictionary of each script, after a training.
    func replace(_ current: [WritingScript: PresetDictionary]) {
        state.withLock { $0.current = current }
    }
}
