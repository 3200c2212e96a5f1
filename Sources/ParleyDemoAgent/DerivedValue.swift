import ParleyYAML

/// A value derived from a remembered one, always the same for the same input.
public struct DerivedValue: Sendable {
    /// How the value is chosen from its input.
    public enum Rule: Sendable {
        /// One of the items, chosen by the input.
        case oneOf([String])
        /// Each `#` replaced by a digit chosen by the input.
        case format(String)
    }

    /// The name templates use: `${name}`.
    public var name: String
    /// The remembered value it is computed from.
    public var from: String
    /// How the value is chosen.
    public var rule: Rule
    /// Where the value is defined.
    public var location: SourceLocation
}
