import Foundation
import Logging
import NIOSSL
import ParleyJSON
import PostgresNIO

/// The history in PostgreSQL (`--history postgres://…`), through PostgresNIO: the same tables and
/// statements as the SQLite history, for teams whose runs come from many machines.
///
/// Each store holds one connection, opened on first use, and uses it for one thing at a time (it is
/// an actor). Writers need no coordination: each run is one transaction, duplicates are skipped by
/// the primary keys, and migrations take a transaction-scoped advisory lock, so shards finishing at
/// once and two Parleys upgrading at once both end with everything recorded once.
actor PostgresHistoryDatabase: HistoryDatabase {
    nonisolated let location: String
    private let url: PostgresURL
    private var connection: PostgresConnection?
    private let logger = Logger(label: "parley-history", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A database at `url` (`postgres://user:password@host:port/database?sslmode=…`); nothing is sent
    /// until the first statement.
    init(url: String) throws(HistoryError) {
        self.url = try PostgresURL(url)
        location = self.url.display
    }

    /// The connection, opened the first time.
    private func open() async throws -> PostgresConnection {
        if let connection { return connection }
        let tls: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        let opened = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        connection = opened
        return opened
    }

    func migrate(_ migrations: [HistoryMigration]) async throws(HistoryError) -> (from: Int, to: Int) {
        let logger = self.logger
        let location = self.location
        do {
            let connection = try await open()
            return try await connection.withTransaction(logger: logger) { connection in
                // One migrator at a time across every client of the database, until this commits.
                try await connection.query("SELECT pg_advisory_xact_lock(727220251400)", logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: HistorySchema.createVersionTable), logger: logger)
                let rows = try await Self.collect(
                    connection.query(PostgresQuery(unsafeSQL: HistorySchema.currentVersionQuery), logger: logger))
                let current = rows.first?.first?.int ?? 0
                try HistorySchema.checkNotNewer(current, location: location)
                let now = Timestamp.iso8601(Date())
                for migration in migrations where migration.version > current {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        Self.query(HistorySchema.recordVersion(migration, at: now)), logger: logger)
                }
                return (current, max(current, migrations.last?.version ?? 0))
            }
        } catch {
            if let error = Self.cause(error) as? HistoryError { throw error }
            throw HistoryError("cannot upgrade the history database \(location): \(Self.describe(error))")
        }
    }

    func insert(guard guardStatement: SQLStatement, rest: SQLStatementStream) async throws(HistoryError) -> Bool {
        let logger = self.logger
        do {
            let connection = try await open()
            return try await connection.withTransaction(logger: logger) { connection in
                let inserted = try await Self.collect(connection.query(Self.query(guardStatement), logger: logger))
                guard !inserted.isEmpty else { return false }
                let statements = rest.makeCursor()
                while let statement = try statements.next() {
                    try await connection.query(Self.query(statement), logger: logger)
                }
                return true
            }
        } catch {
            throw HistoryError("cannot record into the history database \(location): \(Self.describe(error))")
        }
    }

    func query(_ statement: SQLStatement) async throws(HistoryError) -> [[SQLValue]] {
        do {
            let connection = try await open()
            return try await Self.collect(connection.query(Self.query(statement), logger: logger))
        } catch {
            throw HistoryError("cannot read the history database \(location): \(Self.describe(error))")
        }
    }

    func close() async {
        try? await connection?.close()
        connection = nil
    }

    private static func query(_ statement: SQLStatement) -> PostgresQuery {
        var binds = PostgresBindings(capacity: statement.arguments.count)
        for value in statement.arguments {
            switch value {
            case .null: binds.appendNull()
            case .int(let i): binds.append(i)
            case .double(let d): binds.append(d)
            case .text(let s): binds.append(s)
            }
        }
        return PostgresQuery(unsafeSQL: statement.numbered, binds: binds)
    }

    private static func collect(_ rows: PostgresRowSequence) async throws -> [[SQLValue]] {
        var out: [[SQLValue]] = []
        for try await row in rows {
            out.append(
                try row.map { cell -> SQLValue in
                    guard cell.bytes != nil else { return .null }
                    switch cell.dataType {
                    case .int2, .int4, .int8: return .int(try cell.decode(Int.self))
                    case .float4, .float8: return .double(try cell.decode(Double.self))
                    default: return .text(try cell.decode(String.self))
                    }
                })
        }
        return out
    }

    /// The error inside a failed transaction: what began, ran or committed it.
    static func cause(_ error: any Error) -> any Error {
        guard let transaction = error as? PostgresTransactionError else { return error }
        return transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? error
    }

    /// What PostgreSQL or the connection said, without the connection's settings.
    static func describe(_ error: any Error) -> String {
        let error = cause(error)
        if let error = error as? HistoryError { return error.message }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }
}

/// A PostgreSQL connection URL: `postgres://user[:password]@host[:port][/database][?sslmode=…]`.
struct PostgresURL {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String?
    var tls: TLSMode
    /// `sslmode`, as libpq names them.
    enum TLSMode { case disable, prefer, require }
    /// The URL without its password, for messages.
    var display: String

    init(_ text: String) throws(HistoryError) {
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, !host.isEmpty
        else {
            throw HistoryError("not a PostgreSQL URL (postgres://user:password@host:port/database)")
        }
        self.host = host
        port = components.port ?? 5432
        user = components.user?.removingPercentEncoding ?? components.user ?? "postgres"
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? nil : path
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        switch mode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        default:
            throw HistoryError("sslmode=\(mode) is not one of disable, prefer, require, verify-full")
        }
        var shown = components
        if shown.password != nil { shown.password = "***" }
        display = shown.string ?? "postgres://\(host)"
    }
}
