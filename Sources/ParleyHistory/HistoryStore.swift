import Foundation
import ParleyJSON
import ParleyResults

/// The run history: where runs are recorded and what they say over time.
///
/// Open it with a location (`postgres://…` for PostgreSQL, anything else a SQLite file); opening
/// applies the schema versions the database lacks. Every run is recorded once: recording a run id
/// that is already there changes nothing.
public final class HistoryStore: Sendable {
    /// The default SQLite file, relative to the project.
    public static let defaultPath = ".parley/history.sqlite"

    let database: any HistoryDatabase
    /// The schema version the database had when opened, and has now.
    public let migration: (from: Int, to: Int)

    /// Where the history lives, for messages (never a password).
    public var location: String { database.location }

    /// Opens (creating and upgrading as needed) the history at `location`.
    public static func open(_ location: String = defaultPath) async throws(HistoryError) -> HistoryStore {
        let database: any HistoryDatabase =
            isPostgres(location)
            ? try PostgresHistoryDatabase(url: location) : try SQLiteHistoryDatabase(path: location)
        do {
            let migration = try await database.migrate(HistorySchema.migrations)
            return HistoryStore(database: database, migration: migration)
        } catch {
            await database.close()
            throw error
        }
    }

    /// Opens at a given schema version (tests of upgrades write an older database this way).
    static func open(_ location: String, upToVersion version: Int) async throws(HistoryError) -> HistoryStore {
        let database: any HistoryDatabase =
            isPostgres(location)
            ? try PostgresHistoryDatabase(url: location) : try SQLiteHistoryDatabase(path: location)
        let migration = try await database.migrate(HistorySchema.migrations.filter { $0.version <= version })
        return HistoryStore(database: database, migration: migration)
    }

    init(database: any HistoryDatabase, migration: (from: Int, to: Int)) {
        self.database = database
        self.migration = migration
    }

    /// Whether `location` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// The schema version this Parley writes.
    public static var schemaVersion: Int { HistorySchema.latestVersion }

    /// Records a run; returns false when a run with its id was already recorded (nothing changes).
    @discardableResult
    public func record(_ run: RecordedRun, at time: Date = Date()) async throws(HistoryError) -> Bool {
        let (guardStatement, rest) = run.statementStream(recordedAt: time)
        return try await database.insert(guard: guardStatement, rest: rest)
    }

    /// The number of runs and flow runs recorded.
    public func counts() async throws(HistoryError) -> (runs: Int, flowRuns: Int) {
        let runs = try await database.query(SQLStatement("SELECT COUNT(*) FROM parley_runs"))
        let flowRuns = try await database.query(SQLStatement("SELECT COUNT(*) FROM parley_flow_runs"))
        return (runs.first?.first?.int ?? 0, flowRuns.first?.first?.int ?? 0)
    }

    /// Lets go of the database.
    public func close() async {
        await database.close()
    }
}
