/// Why the history could not be opened, written or read.
public struct HistoryError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, with the database named (never its password).
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
