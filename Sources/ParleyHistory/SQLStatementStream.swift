/// The statements that follow a run's guard, made one at a time as they are executed, so that
/// recording a run of any length never holds all of its rows at once. Every execution opens a
/// fresh cursor: a transaction that is tried again starts from the first statement.
struct SQLStatementStream: Sendable, ExpressibleByArrayLiteral {
    private let open: @Sendable () -> SQLStatementCursor

    /// Statements already made.
    init(_ statements: [SQLStatement]) {
        open = { SQLStatementCursor(statements) }
    }

    init(arrayLiteral statements: SQLStatement...) {
        self.init(statements)
    }

    /// Statements made by the cursors `open` returns.
    init(open: @escaping @Sendable () -> SQLStatementCursor) {
        self.open = open
    }

    func makeCursor() -> SQLStatementCursor { open() }
}

/// Hands out statements in order, to one task.
final class SQLStatementCursor {
    private let produce: () throws(HistoryError) -> SQLStatement?

    init(next: @escaping () throws(HistoryError) -> SQLStatement?) {
        produce = next
    }

    convenience init(_ statements: [SQLStatement]) {
        var iterator = statements.makeIterator()
        self.init { iterator.next() }
    }

    /// The next statement, `nil` after the last.
    func next() throws(HistoryError) -> SQLStatement? { try produce() }
}
