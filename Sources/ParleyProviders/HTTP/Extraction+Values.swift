import ParleyJSON
import ParleyFlow

extension Extraction {
    /// The texts the path reaches: scalars as text, and the scalar items of a list it reaches
    /// (so `$.replies` and `$.replies[*]` both give each reply).
    func texts(in value: JSONValue) -> [String] {
        path.evaluate(value).flatMap { found -> [String] in
            if let items = found.array { return items.compactMap(\.scalarText) }
            return found.scalarText.map { [$0] } ?? []
        }
    }

    /// The variable's value: what the path reaches, several values joined with commas; `nil` when it reaches nothing.
    func value(in document: JSONValue) -> String? {
        let found = path.evaluate(document).compactMap(\.extractedText)
        return found.isEmpty ? nil : found.joined(separator: ",")
    }
}
