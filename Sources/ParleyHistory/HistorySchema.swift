/// The history's tables, one migration per schema version. Both databases run the same statements:
/// the types are those SQLite and PostgreSQL both understand (TEXT, BIGINT, DOUBLE PRECISION), and
/// times are ISO-8601 UTC text with milliseconds, which sorts in time order.
///
/// A released migration is never edited: a change of schema is a new version appended here, and
/// opening an older database applies the versions it lacks (SQLite files are first copied aside).
enum HistorySchema {
    /// The table recording which versions were applied.
    static let versionTable = "parley_schema"

    static let migrations: [HistoryMigration] = [
        HistoryMigration(
            version: 1, description: "runs and flow runs",
            statements: [
                """
                CREATE TABLE parley_runs (
                    id TEXT PRIMARY KEY,
                    started_at TEXT NOT NULL,
                    finished_at TEXT NOT NULL,
                    targets TEXT NOT NULL,
                    git_commit TEXT,
                    git_branch TEXT,
                    ci_job TEXT,
                    ci_url TEXT,
                    shard TEXT,
                    total BIGINT NOT NULL,
                    passed BIGINT NOT NULL,
                    failed BIGINT NOT NULL,
                    errors BIGINT NOT NULL,
                    not_run BIGINT NOT NULL,
                    pass_rate DOUBLE PRECISION NOT NULL,
                    source TEXT,
                    recorded_at TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE parley_flow_runs (
                    run_id TEXT NOT NULL REFERENCES parley_runs (id),
                    id TEXT NOT NULL,
                    flow TEXT NOT NULL,
                    persona TEXT,
                    repetition BIGINT NOT NULL,
                    file TEXT NOT NULL,
                    target TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    failure_location TEXT,
                    failure_message TEXT,
                    error_kind TEXT,
                    started_at TEXT NOT NULL,
                    duration_ms DOUBLE PRECISION NOT NULL,
                    turns BIGINT NOT NULL,
                    latencies_ms TEXT NOT NULL,
                    latency_p50 DOUBLE PRECISION,
                    latency_p90 DOUBLE PRECISION,
                    latency_p99 DOUBLE PRECISION,
                    judge_verdicts TEXT,
                    PRIMARY KEY (run_id, id)
                )
                """,
                "CREATE INDEX parley_runs_started_at ON parley_runs (started_at)",
                "CREATE INDEX parley_flow_runs_flow ON parley_flow_runs (flow, run_id)",
            ]),
        HistoryMigration(
            version: 2, description: "tokens and cost",
            statements: [
                "ALTER TABLE parley_runs ADD COLUMN input_tokens BIGINT",
                "ALTER TABLE parley_runs ADD COLUMN output_tokens BIGINT",
                "ALTER TABLE parley_runs ADD COLUMN cost DOUBLE PRECISION",
                "ALTER TABLE parley_flow_runs ADD COLUMN input_tokens BIGINT",
                "ALTER TABLE parley_flow_runs ADD COLUMN output_tokens BIGINT",
                "ALTER TABLE parley_flow_runs ADD COLUMN cost DOUBLE PRECISION",
                """
                CREATE TABLE parley_token_usage (
                    run_id TEXT NOT NULL,
                    flow_run_id TEXT NOT NULL,
                    role TEXT NOT NULL,
                    model TEXT NOT NULL,
                    calls BIGINT NOT NULL,
                    input_tokens BIGINT NOT NULL,
                    output_tokens BIGINT NOT NULL,
                    PRIMARY KEY (run_id, flow_run_id, role, model)
                )
                """,
            ]),
        HistoryMigration(
            version: 3, description: "scenario and table row of flow runs",
            statements: [
                "ALTER TABLE parley_flow_runs ADD COLUMN scenario TEXT",
                "ALTER TABLE parley_flow_runs ADD COLUMN case_name TEXT",
            ]),
    ]

    /// The version this Parley writes.
    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The version table, created by every migrator before it looks (harmless when it exists).
    static let createVersionTable = """
        CREATE TABLE IF NOT EXISTS parley_schema (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """

    static let currentVersionQuery = "SELECT MAX(version) FROM parley_schema"

    static func recordVersion(_ migration: HistoryMigration, at time: String) -> SQLStatement {
        SQLStatement(
            "INSERT INTO parley_schema (version, description, applied_at) VALUES (?, ?, ?)",
            [.int(migration.version), .text(migration.description), .text(time)])
    }

    /// Refuses a database written by a newer Parley: its schema may hold what this one would lose.
    static func checkNotNewer(_ version: Int, location: String) throws(HistoryError) {
        if version > latestVersion {
            throw HistoryError(
                "\(location) has history schema version \(version); this Parley knows versions up to "
                    + "\(latestVersion). Upgrade Parley to use it (nothing was changed).")
        }
    }
}
