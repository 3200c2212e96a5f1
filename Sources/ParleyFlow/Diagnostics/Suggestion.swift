/// Finds the nearest known word to a misspelt one, for "did you mean `expect`?".
public enum Suggestion {
    /// The closest candidate within a small edit distance, or `nil` when nothing is close.
    public static func nearest(to word: String, in candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance < best?.distance ?? Int.max { best = (candidate, distance) }
        }
        guard let best else { return nil }
        // Allow roughly one typo per three characters, at least one.
        let allowed = max(1, min(3, best.candidate.count / 3))
        if best.distance <= allowed { return best.candidate }
        // A word with something added or cut off at the end (`capture_as`, `order`) means the other.
        for candidate in candidates where min(candidate.count, word.count) >= 4 {
            let c = candidate.lowercased()
            if lowered.hasPrefix(c) || c.hasPrefix(lowered) { return candidate }
        }
        return nil
    }

    /// " (did you mean `x`?)" or an empty string.
    public static func hint(for word: String, in candidates: some Sequence<String>) -> String {
        nearest(to: word, in: candidates).map { "; did you mean `\($0)`?" } ?? ""
    }

    /// Damerau–Levenshtein (optimal string alignment) distance, so swapped letters count as one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
