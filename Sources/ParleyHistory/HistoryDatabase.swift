/// What the history needs from a database: versioned migrations, an all-or-nothing write guarded
/// against duplicates, and queries. SQLite and PostgreSQL implement it with the same SQL, so both
/// hold the same schema and answer the same questions the same way.
protocol HistoryDatabase: Sendable {
    /// Where the history lives, for messages (a PostgreSQL URL without its password).
    var location: String { get }
    /// Applies the migrations the database has not seen, in order, in one transaction that also
    /// keeps concurrent migrators out; returns the version found and the version left.
    func migrate(_ migrations: [HistoryMigration]) async throws(HistoryError) -> (from: Int, to: Int)
    /// Runs `guardStatement` (an insert with `RETURNING`); when it returns a row, runs `rest`, all
    /// in one transaction. Returns whether the guard inserted (false: the row was already there).
    func insert(guard guardStatement: SQLStatement, rest: SQLStatementStream) async throws(HistoryError) -> Bool
    /// Rows of a query, each a list of column values in select order.
    func query(_ statement: SQLStatement) async throws(HistoryError) -> [[SQLValue]]
    /// Lets go of connections.
    func close() async
}

/// One step of the schema: a version, what it does, and its statements.
struct HistoryMigration: Sendable {
    var version: Int
    var description: String
    var statements: [String]
}
