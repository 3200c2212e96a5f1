import Synchronization

/// Keeps one copy of strings that recur in every reply of a run — an agent's action types, state
/// names, tool versions — so that the transcripts a thousand conversations hold in memory share
/// them instead of each keeping its own.
///
/// Bounded: strings longer than ``maxLength`` and strings beyond the first ``capacity`` distinct
/// ones are returned as they are, so a server that never repeats itself costs a fixed amount.
/// Strings of up to 15 UTF-8 bytes are kept inside the `String` value itself and are never interned.
final class StringInterner: Sendable {
    static let maxLength = 256

    let capacity: Int
    private let strings = Mutex<Set<String>>([])

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// `text`, or the equal string kept before.
    func intern(_ text: String) -> String {
        let length = text.utf8.count
        guard capacity > 0, length > 15, length <= Self.maxLength else { return text }
        return strings.withLock { strings in
            if strings.count < capacity { return strings.insert(text).memberAfterInsert }
            guard let index = strings.firstIndex(of: text) else { return text }
            return strings[index]
        }
    }

    /// `text` interned, if there is one.
    func intern(_ text: String?) -> String? {
        text.map(intern)
    }
}
