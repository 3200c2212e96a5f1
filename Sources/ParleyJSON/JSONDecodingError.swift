/// Why a JSON value is not the record it should be, and where in it.
public struct JSONDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where, from the top of the value: `turns[3].latency_ms`; empty for the value itself.
    public var path: String
    public var message: String

    public init(path: String = "", _ message: String) {
        self.path = path
        self.message = message
    }

    /// "`turns[3].latency_ms`: expected a number, found a string".
    public var description: String { path.isEmpty ? message : "`\(path)`: \(message)" }

    /// The error placed under a member name or an `[index]`.
    @usableFromInline func nested(under component: String) -> JSONDecodingError {
        if path.isEmpty { return JSONDecodingError(path: component, message) }
        let separator = path.hasPrefix("[") || component.isEmpty ? "" : "."
        return JSONDecodingError(path: component + separator + path, message)
    }

    /// `expected a number, found a string`.
    @usableFromInline static func expected(_ what: String, found value: JSONValue) -> JSONDecodingError {
        JSONDecodingError("expected \(what), found \(value.kindDescription)")
    }
}
