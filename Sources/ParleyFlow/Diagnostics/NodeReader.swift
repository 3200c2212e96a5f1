import Foundation

/// Reads YAML nodes into typed values, reporting what was expected and where when they do not fit.
///
/// Every reader used for user files (flows, `parley.yaml`, agent scripts) goes through this type,
/// so wrong types and unknown keys read the same everywhere.
public struct NodeReader {
    public let sink: DiagnosticSink

    public init(sink: DiagnosticSink) {
        self.sink = sink
    }

    public func error(_ message: String, at location: SourceLocation) {
        sink.error(message, at: location)
    }

    /// A scalar's text. Numbers and booleans are accepted as their text; null and collections are not.
    public func string(_ node: YAMLNode, for what: String) -> String? {
        guard let s = node.scalar, !node.isNull else {
            mismatch(node, for: what, expected: "text")
            return nil
        }
        return s.value
    }

    /// Like ``string(_:for:)`` but refuses an empty or all-blank value.
    public func nonEmptyString(_ node: YAMLNode, for what: String) -> String? {
        guard let value = string(node, for: what) else { return nil }
        if value.isBlank {
            error("`\(what)` must not be empty", at: node.location)
            return nil
        }
        return value
    }

    public func int(_ node: YAMLNode, for what: String, in range: ClosedRange<Int>? = nil) -> Int? {
        guard let s = node.scalar, !node.isNull, let value = Int(s.value.replacingOccurrences(of: "_", with: "")) else {
            mismatch(node, for: what, expected: "a whole number")
            return nil
        }
        if let range, !range.contains(value) {
            error(
                "`\(what)` must be between \(range.lowerBound) and \(range.upperBound), not \(value)", at: node.location
            )
            return nil
        }
        return value
    }

    public func double(_ node: YAMLNode, for what: String, in range: ClosedRange<Double>? = nil) -> Double? {
        guard let s = node.scalar, !node.isNull, let value = Double(s.value) else {
            mismatch(node, for: what, expected: "a number")
            return nil
        }
        if let range, !range.contains(value) {
            error(
                "`\(what)` must be between \(range.lowerBound) and \(range.upperBound), not \(s.value)",
                at: node.location)
            return nil
        }
        return value
    }

    public func bool(_ node: YAMLNode, for what: String) -> Bool? {
        if let s = node.scalar, !node.isNull {
            switch s.value.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        mismatch(node, for: what, expected: "true or false")
        return nil
    }

    /// A duration written as `30s`, `500ms`, `2m`, `1h` or a bare number of seconds.
    public func duration(_ node: YAMLNode, for what: String) -> Duration? {
        guard let s = node.scalar, !node.isNull else {
            mismatch(node, for: what, expected: "a duration such as 30s, 500ms or 2m")
            return nil
        }
        guard let value = DurationText.parse(s.value) else {
            error("`\(what)` must be a duration such as 30s, 500ms or 2m, not `\(s.value)`", at: node.location)
            return nil
        }
        return value
    }

    /// A list of strings; a single string is accepted as a one-item list when `allowSingle`.
    public func stringList(_ node: YAMLNode, for what: String, allowSingle: Bool = true) -> [String]? {
        if allowSingle, node.scalar != nil, !node.isNull {
            return string(node, for: what).map { [$0] }
        }
        guard let items = node.sequence else {
            mismatch(node, for: what, expected: "a list of strings")
            return nil
        }
        var result: [String] = []
        var ok = true
        for item in items {
            if let s = string(item, for: "\(what)[]") { result.append(s) } else { ok = false }
        }
        return ok ? result : nil
    }

    /// A mapping from names to strings, keeping the written order.
    public func stringMap(_ node: YAMLNode, for what: String) -> [(
        key: String, value: String, location: SourceLocation
    )]? {
        guard let pairs = node.mapping else {
            mismatch(node, for: what, expected: "a mapping of names to values")
            return nil
        }
        var result: [(String, String, SourceLocation)] = []
        var ok = true
        for pair in pairs {
            guard let key = pair.key.string else {
                ok = false
                continue
            }
            if let value = string(pair.value, for: "\(what).\(key)") {
                result.append((key, value, pair.key.location))
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }

    /// Opens a mapping for keyed reading, reporting unknown keys (with a suggestion) right away.
    public func mapping(_ node: YAMLNode, for what: String, keys: [String]) -> MappingReader? {
        guard let pairs = node.mapping else {
            error("\(what) must be a mapping, not \(node.kindDescription)", at: node.location)
            return nil
        }
        return MappingReader(node: node, pairs: pairs, what: what, keys: keys, reader: self)
    }

    /// Reports "`what` must be <expected>, not <what was found>".
    public func mismatch(_ node: YAMLNode, for what: String, expected: String) {
        error("`\(what)` must be \(expected), not \(node.kindDescription)", at: node.location)
    }
}

/// Keyed access to one mapping whose unknown keys have already been reported.
public struct MappingReader {
    public let node: YAMLNode
    public let what: String
    public let reader: NodeReader
    /// The mapping's pairs, in written order; mappings are small, so a scan beats hashing.
    private let pairs: YAMLNode.Pairs
    /// Positions of the pairs whose keys are unknown (nearly always none): they are never read.
    private let unknown: [Int]
    /// Known keys that an unknown key was taken for, so "missing `steps`" is not said after "did you mean `steps`?".
    private let suggested: Set<String>

    init(node: YAMLNode, pairs: YAMLNode.Pairs, what: String, keys: [String], reader: NodeReader) {
        self.node = node
        self.what = what
        self.reader = reader
        var unknown: [Int] = []
        var suggested = Set<String>()
        for position in pairs.indices {
            let key = pairs.keyText(at: position)
            if let key, keys.contains(key) { continue }
            unknown.append(position)
            guard let key else { continue }
            let nearest = Suggestion.nearest(to: key, in: keys)
            if let nearest { suggested.insert(nearest) }
            reader.error(
                "unknown key `\(key)` in \(what)\(nearest.map { "; did you mean `\($0)`?" } ?? "")",
                at: pairs[position].key.location)
        }
        self.pairs = pairs
        self.unknown = unknown
        self.suggested = suggested
    }

    /// The pair under `key`; the last one wins, as YAML readers that allow repeats would have it.
    private func pair(_ key: String) -> YAMLPair? {
        guard let position = pairs.lastIndex(ofKey: key), !unknown.contains(position) else { return nil }
        return pairs[position]
    }

    /// The value under `key`, if present.
    public subscript(key: String) -> YAMLNode? { pair(key)?.value }

    /// Where `key` itself is written, if present.
    public func keyLocation(_ key: String) -> SourceLocation? { pair(key)?.key.location }

    public func has(_ key: String) -> Bool { pair(key) != nil }

    /// The value under `key`, reporting it missing (at the mapping) when absent.
    public func require(_ key: String) -> YAMLNode? {
        if let value = pair(key)?.value { return value }
        if suggested.contains(key) { return nil }
        reader.error("\(what) is missing `\(key)`", at: node.location)
        return nil
    }

    public func string(_ key: String) -> String? { self[key].flatMap { reader.string($0, for: key) } }
    public func nonEmptyString(_ key: String) -> String? { self[key].flatMap { reader.nonEmptyString($0, for: key) } }
    public func int(_ key: String, in range: ClosedRange<Int>? = nil) -> Int? {
        self[key].flatMap { reader.int($0, for: key, in: range) }
    }
    public func double(_ key: String, in range: ClosedRange<Double>? = nil) -> Double? {
        self[key].flatMap { reader.double($0, for: key, in: range) }
    }
    public func bool(_ key: String) -> Bool? { self[key].flatMap { reader.bool($0, for: key) } }
    public func duration(_ key: String) -> Duration? { self[key].flatMap { reader.duration($0, for: key) } }
    public func stringList(_ key: String) -> [String]? { self[key].flatMap { reader.stringList($0, for: key) } }
}
