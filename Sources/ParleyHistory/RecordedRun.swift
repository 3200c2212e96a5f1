import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import ParleyJSON
import ParleyResults
import ParleyRun

/// A run as the history records it: the run directory's summary, `run.json` (git commit, CI job,
/// shard) and every flow run's record, read from the directory itself so a run recorded as it
/// finishes and the same run imported later are recorded identically.
public struct RecordedRun: Sendable {
    public var summary: RunSummary
    public var metadata: RunMetadata?
    /// The flow runs, when held in memory; empty for a run read with ``scan(directory:)``, whose
    /// flow runs are read from `source` while they are recorded.
    public var records: [ResultRecord]
    /// The run directory it came from, as named.
    public var source: String
    /// Judge verdicts by flow-run id, as compact JSON, for transcripts that hold any.
    public var judgeVerdicts: [String: String]
    /// The targets of a scanned run's flow runs (a held run's come from `records`).
    private var scannedTargets: [String]?
    /// Whether a scanned run's transcripts may hold judge verdicts: when not, they are not opened.
    private var scannedVerdicts = true

    public init(
        summary: RunSummary, metadata: RunMetadata?, records: [ResultRecord], source: String,
        judgeVerdicts: [String: String] = [:]
    ) {
        self.summary = summary
        self.metadata = metadata
        self.records = records
        self.source = source
        self.judgeVerdicts = judgeVerdicts
    }

    /// Reads a run directory, holding every flow run.
    public static func read(directory: String) throws(RunDirectoryError) -> RecordedRun {
        let run = RunDirectory(path: directory)
        let records = try run.records()
        let summary = run.summary(records: records)
        let metadata = try? RunMetadata.read(from: directory)
        var verdicts: [String: String] = [:]
        for record in records {
            if let found = judgeVerdicts(of: record, in: run) { verdicts[record.id] = found }
        }
        return RecordedRun(
            summary: summary, metadata: metadata, records: records, source: directory, judgeVerdicts: verdicts)
    }

    /// Reads a run directory's summary and description, holding no flow run: they are read again,
    /// a batch at a time, while the run is recorded, so a run of any length is recorded in little
    /// memory.
    public static func scan(directory: String) throws(RunDirectoryError) -> RecordedRun {
        var targets = Set<String>()
        let summary = try RunDirectory(path: directory).summary { targets.insert($0.target) }
        return finished(directory: directory, summary: summary, targets: targets)
    }

    /// A run directory whose summary and targets are known without reading it (the run that has
    /// just written it): ``scan(directory:)`` without the first pass over its flow runs. With
    /// `verdicts` false (no transcript holds a judge verdict, as the writer knows), transcripts
    /// are not opened.
    public static func finished(
        directory: String, summary: RunSummary, targets: some Sequence<String>, verdicts: Bool = true
    ) -> RecordedRun {
        var run = RecordedRun(
            summary: summary, metadata: try? RunMetadata.read(from: directory), records: [], source: directory)
        run.scannedTargets = Set(targets).sorted()
        run.scannedVerdicts = verdicts
        return run
    }

    /// Judge verdicts of `record`, as compact JSON, when its transcript holds any.
    static func judgeVerdicts(of record: ResultRecord, in run: RunDirectory) -> String? {
        // Judge verdicts live in transcripts; most have none, so look before parsing.
        guard let data = try? run.transcriptData(for: record), Self.contains(data, Self.judgmentsKey),
            let json = try? JSONValue(parsing: [UInt8](data)), let judgments = json["judgments"],
            judgments.array?.isEmpty == false
        else { return nil }
        return judgments.serialized
    }

    private static let judgmentsKey = Array("\"judgments\"".utf8)

    /// Whether `"judgments"` occurs in `data`: `memchr` for its `j`, rare in a transcript, then a
    /// comparison (`Data.range(of:)` searched byte by byte through generic code, 2 % of a run's CPU
    /// with a transcript per flow run).
    private static func contains(_ data: Data, _ needle: [UInt8]) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress, raw.count >= needle.count else { return false }
            var from = 1
            let lastAnchor = raw.count - needle.count + 1
            while from <= lastAnchor {
                guard let found = memchr(base + from, Int32(needle[1]), lastAnchor - from + 1) else { return false }
                let anchor = base.distance(to: UnsafeRawPointer(found))
                if memcmp(base + anchor - 1, needle, needle.count) == 0 { return true }
                from = anchor + 1
            }
            return false
        }
    }

    /// The run's id: the summary's.
    public var id: String { summary.runId }

    /// The statements that record this run: the run's row first (the guard against recording it
    /// twice), then its flow runs and their token usage, many rows per statement.
    func statements(recordedAt: Date) -> (guard: SQLStatement, rest: [SQLStatement]) {
        let targets = Array(Set(records.map(\.target))).sorted()
        return (
            guardStatement(recordedAt: recordedAt, targets: targets),
            rowStatements(records) { judgeVerdicts[$0.id] }
        )
    }

    /// The statements inserting `records` and their token usage, many rows per statement.
    private func rowStatements(_ records: [ResultRecord], verdicts: (ResultRecord) -> String?) -> [SQLStatement] {
        let flowRows = records.map { flowRow($0, verdicts: verdicts($0)) }
        return Self.batches(
            table: Self.flowTable, columns: Self.flowColumns, rows: flowRows, conflict: Self.flowConflict)
            + Self.batches(
                table: Self.usageTable, columns: Self.usageColumns, rows: records.flatMap(usageRows),
                conflict: Self.usageConflict)
    }

    /// The statements that record this run, made as they are executed: a scanned run's flow runs
    /// are read from its directory a hundred at a time.
    func statementStream(recordedAt: Date) -> (guard: SQLStatement, rest: SQLStatementStream) {
        guard let targets = scannedTargets else {
            let (guardStatement, rest) = statements(recordedAt: recordedAt)
            return (guardStatement, SQLStatementStream(rest))
        }
        let run = self
        return (
            guardStatement(recordedAt: recordedAt, targets: targets),
            SQLStatementStream { run.directoryCursor() }
        )
    }

    /// Reads the run directory a batch of flow runs at a time, making their statements.
    private func directoryCursor() -> SQLStatementCursor {
        let directory = RunDirectory(path: source)
        let verdicts = scannedVerdicts
        var reader: ResultsReader?
        var queued: [SQLStatement] = []
        var finished = false
        return SQLStatementCursor { () throws(HistoryError) -> SQLStatement? in
            while queued.isEmpty && !finished {
                var batch: [ResultRecord] = []
                do {
                    if reader == nil { reader = try ResultsReader(directory: source) }
                    while batch.count < Self.rowsPerStatement, let record = try reader?.next() { batch.append(record) }
                } catch {
                    throw HistoryError("cannot read \(error)")
                }
                if batch.count < Self.rowsPerStatement { finished = true }
                queued += rowStatements(batch) { verdicts ? Self.judgeVerdicts(of: $0, in: directory) : nil }
            }
            return queued.isEmpty ? nil : queued.removeFirst()
        }
    }

    /// The run's own row, inserted first: it returns nothing when the run was recorded already.
    private func guardStatement(recordedAt: Date, targets: [String]) -> SQLStatement {
        let environment = metadata?.environment
        let usage = summary.usage
        let runRow: [SQLValue] = [
            .text(id), .text(Timestamp.iso8601(summary.startedAt)), .text(Timestamp.iso8601(summary.finishedAt)),
            .text(targets.joined(separator: ",")), SQLValue(environment?.gitCommit), SQLValue(environment?.gitBranch),
            SQLValue(environment?.ciJob), SQLValue(environment?.ciURL), SQLValue(metadata?.shard?.description),
            .int(summary.total), .int(summary.passed), .int(summary.failed), .int(summary.errors),
            .int(summary.notRun), .double(summary.passRate), .text(source), .text(Timestamp.iso8601(recordedAt)),
            SQLValue(usage?.inputTokens), SQLValue(usage?.outputTokens), SQLValue(usage?.cost),
        ]
        return SQLStatement(
            "INSERT INTO parley_runs (id, started_at, finished_at, targets, git_commit, git_branch, ci_job, ci_url, "
                + "shard, total, passed, failed, errors, not_run, pass_rate, source, recorded_at, input_tokens, "
                + "output_tokens, cost) VALUES (" + Self.placeholders(runRow.count)
                + ") ON CONFLICT (id) DO NOTHING RETURNING id",
            runRow)
    }

    static let flowTable = "parley_flow_runs"
    static let flowColumns =
        "run_id, id, flow, persona, repetition, file, target, provider, outcome, failure_location, "
        + "failure_message, error_kind, started_at, duration_ms, turns, latencies_ms, latency_p50, latency_p90, "
        + "latency_p99, judge_verdicts, input_tokens, output_tokens, cost, scenario, case_name"
    static let flowConflict = "(run_id, id)"
    static let usageTable = "parley_token_usage"
    static let usageColumns = "run_id, flow_run_id, role, model, calls, input_tokens, output_tokens"
    static let usageConflict = "(run_id, flow_run_id, role, model)"

    private func flowRow(_ record: ResultRecord, verdicts: String?) -> [SQLValue] {
        let percentiles = RunSummary.Percentiles(record.latenciesMs)
        let tokens = record.usage.map { list in
            (list.reduce(0) { $0 + $1.inputTokens }, list.reduce(0) { $0 + $1.outputTokens })
        }
        return [
            .text(id), .text(record.id), .text(record.flow), SQLValue(record.persona), .int(record.repetition),
            .text(record.file), .text(record.target), .text(record.provider), .text(record.outcome.rawValue),
            SQLValue(record.failure.map { "\($0.location)" }), SQLValue(record.failure?.message),
            SQLValue(record.failure?.errorKind?.rawValue), .text(Timestamp.iso8601(record.startedAt)),
            .double(record.durationMs), .int(record.turns),
            .text(record.latenciesMs.json.serialized),
            SQLValue(percentiles?.p50), SQLValue(percentiles?.p90), SQLValue(percentiles?.p99),
            SQLValue(verdicts), SQLValue(tokens?.0), SQLValue(tokens?.1), SQLValue(record.cost),
            SQLValue(record.scenario), SQLValue(record.dataCase?.name),
        ]
    }

    private func usageRows(_ record: ResultRecord) -> [[SQLValue]] {
        (record.usage ?? []).map { entry in
            [
                .text(id), .text(record.id), .text(entry.role.rawValue), .text(entry.model), .int(entry.calls),
                .int(entry.inputTokens), .int(entry.outputTokens),
            ]
        }
    }

    /// Rows per multi-row insert.
    static let rowsPerStatement = 100

    /// Multi-row inserts of at most 100 rows each (well under both databases' parameter limits).
    static func batches(table: String, columns: String, rows: [[SQLValue]], conflict: String) -> [SQLStatement] {
        stride(from: 0, to: rows.count, by: rowsPerStatement).map { start in
            let chunk = rows[start..<min(start + rowsPerStatement, rows.count)]
            // Every row of a table has its columns' number of values: one row's placeholders, repeated.
            let row = "(" + placeholders(chunk.first?.count ?? 0) + ")"
            let values = row + String(repeating: ", " + row, count: chunk.count - 1)
            return SQLStatement(
                "INSERT INTO \(table) (\(columns)) VALUES \(values) ON CONFLICT \(conflict) DO NOTHING",
                chunk.flatMap { $0 })
        }
    }

    static func placeholders(_ count: Int) -> String {
        count == 0 ? "" : "?" + String(repeating: ", ?", count: count - 1)
    }
}
