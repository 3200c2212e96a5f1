import Foundation
import ParleyTestSupport
import Testing
@testable import ParleyHistory

/// The databases the history tests run against: a fresh SQLite file, and — when the test command
/// started a PostgreSQL server (PARLEY_TEST_POSTGRES_URL, see scripts/postgres.sh) — a fresh
/// PostgreSQL database per test.
enum HistoryBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["PARLEY_TEST_POSTGRES_URL"]

    /// Every backend this machine can test. scripts/test.sh always starts PostgreSQL and sets
    /// PARLEY_REQUIRE_POSTGRES, so there a missing server fails the tests instead of skipping them.
    static var available: [HistoryBackend] {
        postgresURL != nil || ProcessInfo.processInfo.environment["PARLEY_REQUIRE_POSTGRES"] == "1"
            ? allCases : [.sqlite]
    }

    /// The database at `location`, opened without migrating anything.
    func database(_ location: String) throws -> any HistoryDatabase {
        switch self {
        case .sqlite: try SQLiteHistoryDatabase(path: location)
        case .postgres: try PostgresHistoryDatabase(url: location)
        }
    }

    /// A location for a new, empty history.
    func freshLocation() async throws -> String {
        switch self {
        case .sqlite:
            return RunFixtures.temporaryPath("history") + "/history.sqlite"
        case .postgres:
            guard let base = Self.postgresURL else {
                throw HistoryError("PARLEY_TEST_POSTGRES_URL is not set; run the tests through scripts/test.sh")
            }
            let name = "parley_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let admin = try PostgresHistoryDatabase(url: base)
            _ = try await admin.query(SQLStatement("CREATE DATABASE \(name)"))
            await admin.close()
            var components = URLComponents(string: base)
            components?.path = "/" + name
            return components?.string ?? base
        }
    }
}
