@_exported import ParleyYAML

/// A located finding about user input: a flow, a config file, an agent script.
///
/// Diagnostics are values; the executable decides how to print them (`path:line:column: error: ...`,
/// the source line, a caret).
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning, note
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    /// The text of the line the location points into, for the caret display.
    public var sourceLine: String?

    public init(
        _ severity: Severity = .error, at location: SourceLocation, _ message: String, sourceLine: String? = nil
    ) {
        self.severity = severity
        self.location = location
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `path:line:column: error: message`, without the source excerpt.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

extension Array where Element == Diagnostic {
    /// True when any diagnostic is an error (warnings alone do not stop a run).
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
