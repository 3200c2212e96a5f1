import Foundation
import ParleyJSON
import ParleyResults
import ParleyRun

/// A run as the history records it: the run directory's summary, `run.json` (git commit, CI job,
/// shard) and every flow run's record, read from the directory itself so a run recorded as it
/// finishes and the same run imported later are recorded identically.
public struct RecordedRun: Sendable {
    public var summary: RunSummary
    public var metadata: RunMetadata?
    public var records: [ResultRecord]
    /// The run directory it came from, as named.
    public var source: String
    /// Judge verdicts by flow-run id, as compact JSON, for transcripts that hold any.
    public var judgeVerdicts: [String: String]

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

    /// Reads a run directory.
    public static func read(directory: String) throws(RunDirectoryError) -> RecordedRun {
        let run = RunDirectory(path: directory)
        let records = try run.records()
        let summary = run.summary(records: records)
        let metadata = try? RunMetadata.read(from: directory)
        var verdicts: [String: String] = [:]
        for record in records {
            // Judge verdicts live in transcripts; most have none, so look before parsing.
            guard let data = try? run.transcriptData(for: record),
                data.range(of: Data("\"judgments\"".utf8)) != nil,
                let json = try? JSONValue(parsing: [UInt8](data)), let judgments = json["judgments"],
                judgments.array?.isEmpty == false
            else { continue }
            verdicts[record.id] = judgments.serialized
        }
        return RecordedRun(
            summary: summary, metadata: metadata, records: records, source: directory, judgeVerdicts: verdicts)
    }

    /// The run's id: the summary's.
    public var id: String { summary.runId }

    /// The statements that record this run: the run's row first (the guard against recording it
    /// twice), then its flow runs and their token usage, many rows per statement.
    func statements(recordedAt: Date) -> (guard: SQLStatement, rest: [SQLStatement]) {
        let environment = metadata?.environment
        let targets = Array(Set(records.map(\.target))).sorted().joined(separator: ",")
        let usage = summary.usage
        let runRow: [SQLValue] = [
            .text(id), .text(Timestamp.iso8601(summary.startedAt)), .text(Timestamp.iso8601(summary.finishedAt)),
            .text(targets), SQLValue(environment?.gitCommit), SQLValue(environment?.gitBranch),
            SQLValue(environment?.ciJob), SQLValue(environment?.ciURL), SQLValue(metadata?.shard?.description),
            .int(summary.total), .int(summary.passed), .int(summary.failed), .int(summary.errors),
            .int(summary.notRun), .double(summary.passRate), .text(source), .text(Timestamp.iso8601(recordedAt)),
            SQLValue(usage?.inputTokens), SQLValue(usage?.outputTokens), SQLValue(usage?.cost),
        ]
        let guardStatement = SQLStatement(
            "INSERT INTO parley_runs (id, started_at, finished_at, targets, git_commit, git_branch, ci_job, ci_url, "
                + "shard, total, passed, failed, errors, not_run, pass_rate, source, recorded_at, input_tokens, "
                + "output_tokens, cost) VALUES (" + Self.placeholders(runRow.count)
                + ") ON CONFLICT (id) DO NOTHING RETURNING id",
            runRow)

        let flowColumns =
            "run_id, id, flow, persona, repetition, file, target, provider, outcome, failure_location, "
            + "failure_message, error_kind, started_at, duration_ms, turns, latencies_ms, latency_p50, latency_p90, "
            + "latency_p99, judge_verdicts, input_tokens, output_tokens, cost"
        let flowRows: [[SQLValue]] = records.map { record in
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
                SQLValue(judgeVerdicts[record.id]), SQLValue(tokens?.0), SQLValue(tokens?.1), SQLValue(record.cost),
            ]
        }
        var rest = Self.batches(
            table: "parley_flow_runs", columns: flowColumns, rows: flowRows, conflict: "(run_id, id)")
        let usageRows: [[SQLValue]] = records.flatMap { record in
            (record.usage ?? []).map { entry in
                [
                    .text(id), .text(record.id), .text(entry.role.rawValue), .text(entry.model), .int(entry.calls),
                    .int(entry.inputTokens), .int(entry.outputTokens),
                ]
            }
        }
        rest += Self.batches(
            table: "parley_token_usage",
            columns: "run_id, flow_run_id, role, model, calls, input_tokens, output_tokens", rows: usageRows,
            conflict: "(run_id, flow_run_id, role, model)")
        return (guardStatement, rest)
    }

    /// Multi-row inserts of at most 100 rows each (well under both databases' parameter limits).
    static func batches(table: String, columns: String, rows: [[SQLValue]], conflict: String) -> [SQLStatement] {
        stride(from: 0, to: rows.count, by: 100).map { start in
            let chunk = rows[start..<min(start + 100, rows.count)]
            let values = chunk.map { "(" + placeholders($0.count) + ")" }.joined(separator: ", ")
            return SQLStatement(
                "INSERT INTO \(table) (\(columns)) VALUES \(values) ON CONFLICT \(conflict) DO NOTHING",
                chunk.flatMap { $0 })
        }
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
