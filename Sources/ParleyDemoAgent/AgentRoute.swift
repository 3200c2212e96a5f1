import ParleyCore

/// A way out of a state: when the message matches, remember, reply, raise an event, move on.
public struct AgentRoute: Sendable {
    /// `nil` takes every message.
    public var when: Matcher?
    /// Values to remember, each from group 1 (or the whole match) of its expression.
    public var captures: [AgentCapture]
    /// Remembered names the route needs before it applies.
    public var requires: [String]
    /// The reply; several entries are alternatives picked by the seed.
    public var say: [Template]
    public var event: String?
    public var goto: String?
    public var location: SourceLocation

    /// True when nothing can stop the route from being taken.
    var takesEverything: Bool { when == nil && captures.isEmpty && requires.isEmpty }
}

/// `capture: { order_id: /(ORD-\d+)/i }`.
public struct AgentCapture: Sendable {
    public var name: String
    public var pattern: RegexPattern
    public var location: SourceLocation
}
