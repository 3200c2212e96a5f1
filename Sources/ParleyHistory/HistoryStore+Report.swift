import Foundation
import ParleyJSON
import ParleyResults

extension HistoryStore {
    /// The report of the runs `query` selects.
    public func report(_ query: HistoryQuery) async throws(HistoryError) -> HistoryReport {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let since = query.since {
            conditions.append("started_at >= ?")
            arguments.append(.text(Timestamp.iso8601(since)))
        }
        let flowFilter = Self.flowRunFilter(query)
        if !flowFilter.sql.isEmpty {
            conditions.append("id IN (SELECT run_id FROM parley_flow_runs WHERE \(flowFilter.sql))")
            arguments += flowFilter.arguments
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let runRows = try await database.query(
            SQLStatement(
                "SELECT id, started_at, targets, git_commit, git_branch, ci_job, shard FROM parley_runs"
                    + whereClause + " ORDER BY started_at DESC, id DESC LIMIT ?",
                arguments + [.int(query.last)]))
        let runs = runRows.compactMap { row -> HistoryReport.RunRow? in
            guard row.count == 7, let id = row[0].string, let started = row[1].string.flatMap(Timestamp.parse)
            else { return nil }
            return HistoryReport.RunRow(
                id: id, startedAt: started, targets: row[2].string ?? "", gitCommit: row[3].string,
                gitBranch: row[4].string, ciJob: row[5].string, shard: row[6].string)
        }
        var flowRuns: [HistoryReport.FlowRunRow] = []
        // Flow runs of the selected runs, a few hundred runs per query.
        for start in stride(from: 0, to: runs.count, by: 200) {
            let ids = runs[start..<min(start + 200, runs.count)].map { SQLValue.text($0.id) }
            var sql =
                "SELECT run_id, flow, outcome, latencies_ms, input_tokens, output_tokens, cost, failure_location, "
                + "failure_message, id, persona, scenario, case_name FROM parley_flow_runs WHERE run_id IN ("
                + RecordedRun.placeholders(ids.count) + ")"
            if !flowFilter.sql.isEmpty { sql += " AND " + flowFilter.sql }
            let rows = try await database.query(SQLStatement(sql + " ORDER BY run_id, id", ids + flowFilter.arguments))
            flowRuns += rows.compactMap { row in
                guard row.count == 13, let runID = row[0].string, let flow = row[1].string,
                    let outcome = row[2].string
                else { return nil }
                let latencies =
                    (try? JSONValue(parsing: row[3].string ?? "[]"))?.array?.compactMap(\.double) ?? []
                return HistoryReport.FlowRunRow(
                    runID: runID, flow: flow, outcome: outcome, latencies: latencies, inputTokens: row[4].int,
                    outputTokens: row[5].int, cost: row[6].double, failureLocation: row[7].string,
                    failureMessage: row[8].string,
                    name: FlowRunName.make(
                        flow: flow,
                        who: FlowRunName.who(
                            id: row[9].string ?? "", persona: row[10].string, scenario: row[11].string),
                        caseName: row[12].string))
            }
        }
        return HistoryReport(query: query, location: location, runs: runs, flowRuns: flowRuns)
    }

    /// `flow = ? AND target = ?` for the query's flow and target, on `parley_flow_runs`.
    private static func flowRunFilter(_ query: HistoryQuery) -> (sql: String, arguments: [SQLValue]) {
        var parts: [String] = []
        var arguments: [SQLValue] = []
        if let flow = query.flow {
            parts.append("flow = ?")
            arguments.append(.text(flow))
        }
        if let target = query.target {
            parts.append("target = ?")
            arguments.append(.text(target))
        }
        return (parts.joined(separator: " AND "), arguments)
    }
}
