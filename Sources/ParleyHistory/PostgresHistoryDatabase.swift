import Foundation
import Logging
import NIOSSL
import ParleyJSON
import PostgresNIO

/// The history in PostgreSQL (`--history postgres://…`), through PostgresNIO: the same tables and
/// statements as the SQLite history, for teams whose runs come from many machines.
///
/// Writers need no coordination: each run is one transaction, duplicates are skipped by the
/// primary keys, and migrations take a transaction-scoped advisory lock, so shards finishing at
/// once and two Parleys upgrading at once both end with everything recorded once.
final class PostgresHistoryDatabase: HistoryDatabase {
    let location: String
    private let client: PostgresClient
    private let running: Task<Void, Never>
    private let logger = Logger(label: "parley-history", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Opens a client for `url` (`postgres://user:password@host:port/database?sslmode=…`); nothing is
    /// sent until the first statement.
    init(url: String) throws(HistoryError) {
        let parsed = try PostgresURL(url)
        location = parsed.display
        var configuration = PostgresClient.Configuration(
            host: parsed.host, port: parsed.port, username: parsed.user, password: parsed.password,
            database: parsed.database, tls: parsed.tls)
        configuration.options.connectTimeout = .seconds(10)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let client = self.client
        running = Task { await client.run() }
    }

    func migrate(_ migrations: [HistoryMigration]) async throws(HistoryError) -> (from: Int, to: Int) {
        let logger = self.logger
        let location = self.location
        do {
            return try await client.withTransaction(logger: logger) { connection in
                // One migrator at a time across every client of the database, until this commits.
                try await connection.query("SELECT pg_advisory_xact_lock(7272_2025_14)", logger: logger)
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
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError("cannot upgrade the history database \(location): \(Self.describe(error))")
        }
    }

    func insert(guard guardStatement: SQLStatement, rest: [SQLStatement]) async throws(HistoryError) -> Bool {
        let logger = self.logger
        do {
            return try await client.withTransaction(logger: logger) { connection in
                let inserted = try await Self.collect(connection.query(Self.query(guardStatement), logger: logger))
                guard !inserted.isEmpty else { return false }
                for statement in rest {
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
            return try await Self.collect(client.query(Self.query(statement), logger: logger))
        } catch {
            throw HistoryError("cannot read the history database \(location): \(Self.describe(error))")
        }
    }

    func close() async {
        running.cancel()
        await running.value
    }

    private static func query(_ statement: SQLStatement) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: statement.arguments.count)
        for value in statement.arguments {
            switch value {
            case .null: binds.appendNull()
            case .int(let i): try binds.append(i)
            case .double(let d): try binds.append(d)
            case .text(let s): try binds.append(s)
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

    /// What PostgreSQL or the connection said, without the connection's settings.
    static func describe(_ error: any Error) -> String {
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
    var tls: PostgresClient.Configuration.TLS
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
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default:
            throw HistoryError("sslmode=\(mode) is not one of disable, prefer, require, verify-full")
        }
        var shown = components
        if shown.password != nil { shown.password = "***" }
        display = shown.string ?? "postgres://\(host)"
    }
}
