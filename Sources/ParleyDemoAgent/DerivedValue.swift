import ParleyCore

/// A value derived from a remembered one, always the same for the same input.
public struct DerivedValue: Sendable {
    public enum Rule: Sendable {
        /// One of the items, chosen by the input.
        case oneOf([String])
        /// Each `#` replaced by a digit chosen by the input.
        case format(String)
    }

    public var name: String
    /// The remembered value it is computed from.
    public var from: String
    public var rule: Rule
    public var location: SourceLocation
}
