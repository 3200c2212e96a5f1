import ParleyCore

/// A dotted path into a JSON document, as written in configuration: `response.text`,
/// `choices.0.message.content` (a number steps into a list).
struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    let components: [String]

    /// A path from its dotted text; `nil` when a component is empty (`a..b`, `.a`, ``).
    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else { return nil }
        components = parts
    }

    init(components: [String]) {
        self.components = components
    }

    var description: String { components.joined(separator: ".") }

    /// The path without its last component (the object holding the value).
    var parent: JSONPath { JSONPath(components: Array(components.dropLast())) }

    /// The value at this path, or why there is none, in words that name the step that failed.
    func lookup(in document: JSONValue) -> Result<JSONValue, Failure> {
        var current = document
        var walked: [String] = []
        for component in components {
            let here = walked.isEmpty ? "the answer" : "`\(walked.joined(separator: "."))`"
            switch current {
            case .object(let members):
                guard let next = members.first(where: { $0.0 == component })?.1 else {
                    let keys = members.map(\.0)
                    return .failure(Failure(reason: "\(here) has no member `\(component)`"
                        + (keys.isEmpty ? " (it is an empty object)" : " (it has \(keys.joined(separator: ", ")))")))
                }
                current = next
            case .array(let items):
                guard let index = Int(component), items.indices.contains(index) else {
                    return .failure(Failure(reason: "\(here) is a list of \(items.count); `\(component)` is not an index in it"))
                }
                current = items[index]
            default:
                return .failure(Failure(reason: "\(here) is \(current.kindDescription), so it has no `\(component)`"))
            }
            walked.append(component)
        }
        return .success(current)
    }

    /// `value` placed at this path inside `object`, creating the objects on the way; a list index
    /// in the path is treated as a member name, since request bodies are built, not navigated.
    func inserting(_ value: JSONValue, into object: JSONValue) -> JSONValue {
        guard let first = components.first else { return value }
        var members = object.object ?? []
        let rest = JSONPath(components: Array(components.dropFirst()))
        if let index = members.firstIndex(where: { $0.0 == first }) {
            members[index].1 = rest.components.isEmpty ? value : rest.inserting(value, into: members[index].1)
        } else {
            members.append((first, rest.components.isEmpty ? value : rest.inserting(value, into: .object([]))))
        }
        return .object(members)
    }

    /// Why a lookup found nothing.
    struct Failure: Error, Sendable {
        let reason: String
    }
}
