/// A path into a JSON document, written in a small subset of JSONPath, parsed once when the
/// configuration is loaded.
///
/// The subset: `$` (the whole document), then any number of
/// - `.key` — an object member (letters, digits, `_`, `-`);
/// - `['key']` or `["key"]` — a member whose name has other characters (`\'`, `\"`, `\\` escape);
/// - `[0]`, `[-1]` — an array element, negative indexes counting from the end;
/// - `[*]` or `.*` — every element of an array, or every member value of an object.
///
/// Evaluating a path yields every value it reaches, in document order: none when a step does not
/// apply (a missing key, an index out of range), several after a `[*]`. A numeric name on an array
/// (`$.choices.0.message`) indexes it, as many tools allow. Where the configuration is a single
/// member path (AgentHuman's `send_message`), the leading `$.` may be left out: `response.text`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
        case wildcard
    }

    public let steps: [Step]
    /// The path as written.
    public let raw: String

    public var description: String { raw }

    /// The whole document.
    public static let root = JSONPath(steps: [], raw: "$")

    private init(steps: [Step], raw: String) {
        self.steps = steps
        self.raw = raw
    }

    /// Parses `text`; the error says what is wrong and at which character (0-based).
    public init(parsing text: String) throws(JSONPathError) {
        var parser = JSONPathParser(text)
        steps = try parser.parse()
        raw = text
    }

    /// Parses `text`, reading `a.b` as `$.a.b` (the short form of a member path).
    public init(parsingShortForm text: String) throws(JSONPathError) {
        if text.hasPrefix("$") {
            try self.init(parsing: text)
            return
        }
        do {
            var parser = JSONPathParser("$." + text)
            self.init(steps: try parser.parse(), raw: text)
        } catch {
            throw JSONPathError(message: error.message, offset: max(0, error.offset - 2))
        }
    }

    /// A path of member names, `$.a.b`.
    public init(keys: [String]) {
        self.init(steps: keys.map(Step.key), raw: keys.joined(separator: "."))
    }

    /// Every value the path reaches in `document`, in order.
    public func evaluate(_ document: JSONValue) -> [JSONValue] {
        var current = [document]
        for step in steps {
            var next: [JSONValue] = []
            for value in current {
                switch step {
                case .key(let name):
                    if let member = value[name] {
                        next.append(member)
                    } else if let items = value.array, let index = Int(name), index >= 0, index < items.count {
                        next.append(items[index])
                    }
                case .index(let index):
                    guard let items = value.array else { continue }
                    let position = index < 0 ? items.count + index : index
                    if position >= 0, position < items.count { next.append(items[position]) }
                case .wildcard:
                    if let items = value.array {
                        next += items
                    } else if let members = value.object {
                        next += members.map(\.1)
                    }
                }
            }
            current = next
            if current.isEmpty { break }
        }
        return current
    }

    /// True when the path can reach more than one value.
    public var yieldsSeveral: Bool { steps.contains(.wildcard) }

    /// The path without its last step (what holds the value).
    public var parent: JSONPath { JSONPath(steps: Array(steps.dropLast()), raw: raw) }

    /// Where and why the path reaches nothing in `document`, in words naming the step that failed:
    /// "`data.items` is a list of 2; `5` is not an index in it".
    public func explainMiss(in document: JSONValue) -> String {
        var current = document
        var walked = ""
        var here: String { walked.isEmpty ? "the answer" : "`\(walked)`" }
        for step in steps {
            switch (step, current) {
            case (.key(let name), .object(let members)):
                guard let next = members.first(where: { $0.0 == name })?.1 else {
                    let keys = members.map(\.0)
                    return "\(here) has no member `\(name)`"
                        + (keys.isEmpty ? " (it is an empty object)" : " (it has \(keys.joined(separator: ", ")))")
                }
                current = next
                walked += walked.isEmpty ? name : ".\(name)"
            case (.key(let name), .array(let items)):
                guard let index = Int(name), index >= 0, index < items.count else {
                    return "\(here) is a list of \(items.count); `\(name)` is not an index in it"
                }
                current = items[index]
                walked += walked.isEmpty ? name : ".\(name)"
            case (.index(let index), .array(let items)):
                let position = index < 0 ? items.count + index : index
                guard position >= 0, position < items.count else {
                    return "\(here) is a list of \(items.count); [\(index)] is outside it"
                }
                current = items[position]
                walked += "[\(index)]"
            case (.wildcard, .array), (.wildcard, .object):
                return "\(here) has no items that go on along the rest of the path"
            case (.key(let name), _):
                return "\(here) is \(current.kindDescription), so it has no `\(name)`"
            default:
                return "\(here) is \(current.kindDescription), so the path cannot go on from there"
            }
        }
        return "\(here) is null"
    }

    /// `value` placed at this member path inside `object`, creating objects on the way (request
    /// bodies are built, not navigated, so every step is taken as a member name).
    public func inserting(_ value: JSONValue, into object: JSONValue) -> JSONValue {
        guard let first = steps.first else { return value }
        let name: String
        switch first {
        case .key(let key): name = key
        case .index(let index): name = String(index)
        case .wildcard: name = "*"
        }
        let rest = JSONPath(steps: Array(steps.dropFirst()), raw: raw)
        var members = object.object ?? []
        if let index = members.firstIndex(where: { $0.0 == name }) {
            members[index].1 = rest.steps.isEmpty ? value : rest.inserting(value, into: members[index].1)
        } else {
            members.append((name, rest.steps.isEmpty ? value : rest.inserting(value, into: .object([]))))
        }
        return .object(members)
    }
}

/// Why a path could not be parsed, and where in its text.
public struct JSONPathError: Error, Sendable, Hashable {
    public var message: String
    /// 0-based character offset into the path text.
    public var offset: Int
}

/// A hand-written parser for the subset, so every mistake gets a precise message.
private struct JSONPathParser {
    let chars: [Character]
    var i = 0

    init(_ text: String) {
        chars = Array(text)
    }

    mutating func parse() throws(JSONPathError) -> [JSONPath.Step] {
        guard chars.first == "$" else {
            throw JSONPathError(message: "a path starts with `$` (the whole document), as in `$.reply.text`", offset: 0)
        }
        i = 1
        var steps: [JSONPath.Step] = []
        while i < chars.count {
            switch chars[i] {
            case ".":
                i += 1
                guard i < chars.count else { throw JSONPathError(message: "a name must follow `.`", offset: i - 1) }
                if chars[i] == "." {
                    throw JSONPathError(
                        message: "recursive descent (`..`) is not supported; write each step", offset: i - 1)
                }
                if chars[i] == "*" {
                    steps.append(.wildcard)
                    i += 1
                    continue
                }
                let start = i
                while i < chars.count, Self.isNameCharacter(chars[i]) { i += 1 }
                guard i > start else {
                    throw JSONPathError(
                        message:
                            "`\(chars[i])` cannot start a name after `.`; write ['\(chars[i])…'] for names with "
                            + "other characters",
                        offset: i)
                }
                steps.append(.key(String(chars[start..<i])))
            case "[":
                steps.append(try bracket())
            default:
                throw JSONPathError(
                    message: "unexpected `\(chars[i])`; a step is `.name`, `['name']`, `[0]`, `[-1]` or `[*]`",
                    offset: i)
            }
        }
        return steps
    }

    /// `[…]` starting at `i`.
    private mutating func bracket() throws(JSONPathError) -> JSONPath.Step {
        let open = i
        i += 1
        guard i < chars.count else { throw JSONPathError(message: "`[` is not closed", offset: open) }
        let step: JSONPath.Step
        switch chars[i] {
        case "*":
            i += 1
            step = .wildcard
        case "'", "\"":
            let quote = chars[i]
            i += 1
            var name = ""
            var closed = false
            while i < chars.count {
                let c = chars[i]
                if c == "\\", i + 1 < chars.count {
                    name.append(chars[i + 1])
                    i += 2
                    continue
                }
                i += 1
                if c == quote {
                    closed = true
                    break
                }
                name.append(c)
            }
            guard closed else { throw JSONPathError(message: "the quoted name is not closed", offset: open + 1) }
            step = .key(name)
        case "-", "0"..."9":
            let start = i
            if chars[i] == "-" { i += 1 }
            let digits = i
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
            guard i > digits, let index = Int(String(chars[start..<i])) else {
                throw JSONPathError(message: "an index is a whole number, such as [0] or [-1]", offset: start)
            }
            step = .index(index)
        default:
            throw JSONPathError(message: "`[` takes a number ([0], [-1]), `*` or a quoted name (['name'])", offset: i)
        }
        guard i < chars.count, chars[i] == "]" else {
            throw JSONPathError(message: "expected `]`", offset: min(i, chars.count))
        }
        i += 1
        return step
    }

    static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "-"
    }
}

extension JSONValue {
    /// Text for a value reached by a path: a scalar's text, or compact JSON for an object or array.
    public var extractedText: String? {
        if isNull { return nil }
        return scalarText ?? serialized
    }
}
