import Foundation
import GRDB
import ParleyJSON

/// The history in a SQLite file (`.parley/history.sqlite` by default), through GRDB.
///
/// The file is in WAL mode and every write is one immediate transaction with a busy timeout, so
/// several processes (shards finishing at once) can record into it: they queue, none is lost.
final class SQLiteHistoryDatabase: HistoryDatabase {
    let path: String
    private let pool: DatabasePool

    var location: String { path }

    init(path: String) throws(HistoryError) {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        // Another process may hold the write lock for a moment (a shard recording its run).
        configuration.busyMode = .timeout(60)
        configuration.label = "parley-history"
        do {
            pool = try Self.openPool(path: path, configuration: configuration, waitingUpTo: .seconds(60))
        } catch {
            throw HistoryError("cannot open the history database \(path): \(Self.describe(error))")
        }
    }

    /// Opens the pool, waiting while another process holds the lock. The busy timeout does not
    /// cover opening: a connection that switches a new file to WAL while another does the same is
    /// refused at once ("database is locked"), as shards that finish together and record into a
    /// history no one has opened yet would be.
    private static func openPool(path: String, configuration: Configuration, waitingUpTo limit: Duration) throws
        -> DatabasePool
    {
        let deadline = ContinuousClock.now + limit
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && ContinuousClock.now < deadline
            {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }

    func migrate(_ migrations: [HistoryMigration]) async throws(HistoryError) -> (from: Int, to: Int) {
        let found = try await currentVersion()
        try HistorySchema.checkNotNewer(found, location: path)
        let latest = migrations.last?.version ?? 0
        if found > 0, found < latest { try await backUp(version: found) }
        let path = self.path
        do {
            return try await Self.immediate(pool) { db in
                // Inside the write lock: another process may have migrated since we looked.
                try db.execute(sql: HistorySchema.createVersionTable)
                let current = try Int.fetchOne(db, sql: HistorySchema.currentVersionQuery) ?? 0
                try HistorySchema.checkNotNewer(current, location: path)
                let now = Timestamp.iso8601(Date())
                for migration in migrations where migration.version > current {
                    for statement in migration.statements { try db.execute(sql: statement) }
                    let record = HistorySchema.recordVersion(migration, at: now)
                    try db.execute(sql: record.sql, arguments: Self.arguments(record.arguments))
                }
                return (current, max(current, latest))
            }
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError("cannot upgrade the history database \(path): \(Self.describe(error))")
        }
    }

    /// The version recorded in the file (0 for a new file).
    private func currentVersion() async throws(HistoryError) -> Int {
        do {
            return try await pool.read { db in
                guard try db.tableExists(HistorySchema.versionTable) else { return 0 }
                return try Int.fetchOne(db, sql: HistorySchema.currentVersionQuery) ?? 0
            }
        } catch {
            throw HistoryError("cannot read the history database \(path): \(Self.describe(error))")
        }
    }

    /// Copies the file aside (`history.sqlite.v1.bak`) before an upgrade, so an upgrade that goes
    /// wrong in a way no transaction catches still leaves the old history.
    private func backUp(version: Int) async throws(HistoryError) {
        let backup = "\(path).v\(version).bak"
        do {
            if FileManager.default.fileExists(atPath: backup) { try FileManager.default.removeItem(atPath: backup) }
            let copy = try DatabaseQueue(path: backup)
            try pool.backup(to: copy)
            try copy.close()
        } catch {
            throw HistoryError(
                "cannot copy \(path) to \(backup) before upgrading it (nothing was changed): \(Self.describe(error))")
        }
    }

    func insert(guard guardStatement: SQLStatement, rest: SQLStatementStream) async throws(HistoryError) -> Bool {
        do {
            return try await Self.immediate(pool) { db in
                let inserted = try Row.fetchAll(
                    db, sql: guardStatement.sql, arguments: Self.arguments(guardStatement.arguments))
                guard !inserted.isEmpty else { return false }
                let statements = rest.makeCursor()
                while let statement = try statements.next() {
                    // Cached: a run's full batches share one text, and compiling a hundred rows'
                    // placeholders cost three times what inserting them does.
                    try db.cachedStatement(sql: statement.sql).execute(
                        arguments: Self.arguments(statement.arguments))
                }
                return true
            }
        } catch {
            throw HistoryError("cannot record into the history database \(path): \(Self.describe(error))")
        }
    }

    func query(_ statement: SQLStatement) async throws(HistoryError) -> [[SQLValue]] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(db, sql: statement.sql, arguments: Self.arguments(statement.arguments)).map { row in
                    row.databaseValues.map { value -> SQLValue in
                        switch value.storage {
                        case .null: .null
                        case .int64(let value): .int(Int(value))
                        case .double(let value): .double(value)
                        case .string(let value): .text(value)
                        case .blob(let data): .text(String(decoding: data, as: UTF8.self))
                        }
                    }
                }
            }
        } catch {
            throw HistoryError("cannot read the history database \(path): \(Self.describe(error))")
        }
    }

    func close() async {
        try? pool.close()
    }

    /// Runs `work` in an IMMEDIATE transaction: the write lock is taken at BEGIN, so two processes
    /// never both read and then both try to write (which SQLite would refuse one of without waiting).
    private static func immediate<T: Sendable>(
        _ pool: DatabasePool, _ work: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try work(db)
                return .commit
            }
            guard let result else { throw HistoryError("the transaction produced no result") }
            return result
        }
    }

    private static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(
            values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: nil
                case .int(let i): i
                case .double(let d): d
                case .text(let s): s
                }
            })
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        return "\(error)"
    }
}
