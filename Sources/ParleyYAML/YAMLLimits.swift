/// Bounds that keep hostile or accidental input from exhausting memory or time.
///
/// libyaml 0.2.5 itself has no nesting limit, and aliases can expand a small file exponentially
/// ("billion laughs"), so the parser enforces these on top of it.
public struct YAMLLimits: Sendable, Hashable {
    /// Largest input accepted, in bytes.
    public var maxBytes: Int
    /// Deepest nesting of sequences and mappings accepted.
    public var maxDepth: Int
    /// Most nodes a document may hold once aliases are expanded.
    public var maxNodes: Int

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxNodes: Int = 200_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    /// The limits used for flows, configuration and agent scripts.
    public static let `default` = YAMLLimits()
}
