import ParleyFlow
import ParleyYAML

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
    /// An event raised when the route is taken.
    public var event: String?
    /// The state entered next; `nil` stays in the current one.
    public var goto: String?
    /// Where the route is written.
    public var location: SourceLocation

    /// True when nothing can stop the route from being taken.
    var takesEverything: Bool { when == nil && captures.isEmpty && requires.isEmpty }
}

/// `capture: { order_id: /(ORD-\d+)/i }`.
public struct AgentCapture: Sendable {
    /// The name the value is remembered under.
    public var name: String
    /// The expression whose group 1 (or whole match) is remembered.
    public var pattern: RegexPattern
    /// Where the capture is written.
    public var location: SourceLocation
}
