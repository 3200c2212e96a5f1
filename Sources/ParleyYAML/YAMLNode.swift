/// One node of a parsed YAML document, with the position it was written at.
///
/// The tree is a plain value: parsing owns the C parser, the nodes it returns own nothing.
public struct YAMLNode: Sendable {
    /// What the node holds.
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var content: Content
    /// Where the node starts in its file.
    public var location: SourceLocation
    /// An explicit tag such as `!include`, if the author wrote one.
    public var tag: String?

    public init(content: Content, location: SourceLocation, tag: String? = nil) {
        self.content = content
        self.location = location
        self.tag = tag
    }

    /// The scalar, if this node is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    /// The scalar's text, if this node is a scalar.
    public var string: String? { scalar?.value }

    /// The items, if this node is a sequence.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The key/value pairs in written order, if this node is a mapping.
    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// True for an explicit or implicit null: an empty plain scalar, `~`, `null`.
    public var isNull: Bool {
        guard case .scalar(let s) = content, s.style == .plain, tag == nil, s.value.utf8.count <= 4 else {
            return false
        }
        switch s.value {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// The value stored under `key` when this node is a mapping with scalar keys.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first(where: { $0.key.string == key })?.value
    }

    /// A short noun phrase for messages: "a string", "a list", "a mapping", "null".
    public var kindDescription: String {
        switch content {
        case .scalar(let s):
            if isNull { return "null" }
            if s.style == .plain {
                if Int(s.value) != nil { return "a number" }
                if ["true", "false"].contains(s.value.lowercased()) { return "a boolean" }
            }
            return "a string"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// A scalar's text and how it was written (quoting matters: `"yes"` is a string even in YAML 1.1).
public struct YAMLScalar: Sendable, Hashable {
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var value: String
    public var style: Style

    public init(value: String, style: Style = .plain) {
        self.value = value
        self.style = style
    }
}

/// One `key: value` entry of a mapping.
public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}
