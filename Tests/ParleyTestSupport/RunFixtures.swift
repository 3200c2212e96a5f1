import Foundation
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyRun

/// Flow runs and run directories made to order for the result-tooling tests.
public enum RunFixtures {
    public static let start = Date(timeIntervalSince1970: 1_750_000_000)

    /// A flow run: `send` + `expect` per agent latency, failing at the last `expect` unless it passed.
    public static func result(
        flow: String = "refund", persona: String? = "Dana", repetition: Int = 1, outcome: Outcome = .passed,
        latencies: [Double] = [120, 180], labels: [String] = ["regression"],
        reply: String = "Your refund has been issued.",
        tags: [String: String] = [:], startOffset: TimeInterval = 0
    ) -> FlowRunResult {
        let started = start.addingTimeInterval(startOffset)
        var turns: [Turn] = []
        var steps: [StepResult] = []
        var clock = started
        for (index, latency) in latencies.enumerated() {
            turns.append(Turn(role: .user, text: "message \(index + 1)", at: clock))
            var agent = Turn(
                role: .agent, text: index == latencies.count - 1 ? reply : "reply \(index + 1)",
                at: clock.addingTimeInterval(latency / 1000))
            agent.latencyMs = latency
            agent.timeToFirstChunkMs = latency / 2
            turns.append(agent)
            clock = clock.addingTimeInterval(latency / 1000 + 0.01)
            let line = 4 + index * 2
            let last = index == latencies.count - 1
            steps.append(
                StepResult(
                    index: index * 2, kind: .send,
                    location: SourceLocation(file: "flows/\(flow).yaml", line: line, column: 5),
                    status: .passed, durationMs: latency))
            let status: StepStatus = last && outcome == .failed ? .failed : last && outcome == .error ? .error : .passed
            steps.append(
                StepResult(
                    index: index * 2 + 1, kind: .expect,
                    location: SourceLocation(file: "flows/\(flow).yaml", line: line + 1, column: 5), status: status,
                    detail: status == .passed ? nil : "expected the agent's reply to match /refund/i", durationMs: 0.2))
        }
        var failure: FailureInfo?
        if outcome != .passed {
            let line = 5 + (latencies.count - 1) * 2
            failure = FailureInfo(
                message: outcome == .failed
                    ? "expected the agent's reply to match /refund/i" : "no complete reply within 30s",
                location: SourceLocation(file: "flows/\(flow).yaml", line: line, column: 5), stepKind: "expect",
                expected: outcome == .failed ? "/refund/i" : nil, actual: reply,
                errorKind: outcome == .error ? .timeout : nil)
        }
        let slug = persona.map { Slug.make($0) } ?? "default"
        return FlowRunResult(
            id: "\(Slug.make(flow))--\(slug)--\(repetition)", flow: flow, file: "flows/\(flow).yaml", persona: persona,
            repetition: repetition, target: "local", provider: "sandbox", labels: labels, conversationTags: tags,
            outcome: outcome, failure: failure, startedAt: started, finishedAt: clock,
            conversationId: "conv-\(flow)-\(repetition)",
            opening: .userFirst, turns: turns, steps: steps)
    }

    /// The `summary.json` written in the run directory `directory`, read strictly (no fallback).
    public static func storedSummary(_ directory: String) throws -> RunSummary {
        let path = (directory as NSString).appendingPathComponent(RunWriter.summaryFile)
        return try RunSummary(json: JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// A new, empty temporary folder path (not created).
    public static func temporaryPath(_ name: String = "run") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("parley-\(name)-\(UUID().uuidString)").path
    }

    /// Writes `results` as a run directory, with its summary, and returns its path.
    @discardableResult
    public static func runDirectory(_ results: [FlowRunResult], at path: String = temporaryPath()) throws -> String {
        let writer = try RunWriter(directory: path)
        let records = try results.map { try writer.record($0) }
        try writer.writeSummary(
            RunSummary(
                runId: (path as NSString).lastPathComponent, startedAt: start,
                finishedAt: start.addingTimeInterval(60), records: records))
        return path
    }
}
