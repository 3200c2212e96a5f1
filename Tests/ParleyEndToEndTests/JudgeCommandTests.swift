import Foundation
@testable import ParleyHistory
import ParleyJSON
import ParleyResults
import ParleyRun
import Testing

/// Judged flows, `rejudge` and `judge calibrate`, run as a user would, offline against the
/// built-in sandbox and its rule-based judge.
@Suite(.serialized) struct JudgeCommandTests {
    /// A refund conversation with a closing judge whose second criterion is `verdict`-shaped:
    /// `pass` quotes words the agent says, `fail` quotes words it never says.
    static func judgedFlow(verdict: String) -> String {
        let quote = verdict == "pass" ? "refund has been issued" : "replacement is on its way"
        return """
            flow: judged-refund
            persona: { name: Dana, variables: { order_id: ORD-1042 } }
            steps:
              - send: Hi, my blender arrived cracked. It's ${persona.order_id}.
              - expect_tool: { name: order-lookup, args: { order_number: "${persona.order_id}" } }
              - send: Yes, please refund it.
              - expect_state: refund_issued
            judge:
              criteria:
                - The agent called `issue-refund`.
                - The agent says "\(quote)".
            """
    }

    @discardableResult
    func parley(_ arguments: [String], in directory: String, status: Int32) async throws -> ParleyBinary.Output {
        let result = try await ParleyBinary.run(arguments, in: directory)
        #expect(result.status == status, "parley \(arguments.joined(separator: " ")):\n\(result.all)")
        return result
    }

    func transcript(_ path: String) throws -> FlowRunResult {
        try FlowRunResult(json: JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test func judgedFlowsPassOrFailAndVerdictsAreCachedAcrossRuns() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try Self.judgedFlow(verdict: "pass").write(toFile: dir + "/flow.yaml", atomically: true, encoding: .utf8)
        try await parley(["run", "flow.yaml", "--out", "first"], in: dir, status: 0)
        let first = try transcript(dir + "/first/transcripts/judged-refund--dana--1.json")
        #expect(first.judgeUsage?.calls == 1)
        #expect(first.judgments?.first?.criteria.map(\.verdict) == [.pass, .pass])
        #expect(first.turns[1].actions?.contains { $0.name == "order-lookup" } == true)
        let cacheFiles = try FileManager.default.contentsOfDirectory(atPath: dir + "/.parley/cache/judge")
        #expect(cacheFiles.count == 1)
        // The run recorded its verdicts in the history as it ended.
        let history = try await HistoryStore.open(dir + "/" + HistoryStore.defaultPath)
        let recorded = try await history.database.query(
            SQLStatement("SELECT judge_verdicts FROM parley_flow_runs", []))
        await history.close()
        guard case .text(let verdicts)? = recorded.first?.first else {
            Issue.record("no verdicts in the history: \(recorded)")
            return
        }
        #expect(verdicts.contains("issue-refund"), "\(verdicts)")

        try await parley(["run", "flow.yaml", "--out", "second"], in: dir, status: 0)
        let second = try transcript(dir + "/second/transcripts/judged-refund--dana--1.json")
        #expect(second.judgeUsage == JudgeUsage(cachedCalls: 1), "an unchanged conversation costs no judge call")
        #expect(second.judgments?.first?.cached == true)
        try await parley(["run", "flow.yaml", "--out", "third", "--no-cache"], in: dir, status: 0)
        #expect(try transcript(dir + "/third/transcripts/judged-refund--dana--1.json").judgeUsage?.calls == 1)
        let summary = try String(contentsOfFile: dir + "/first/summary.json", encoding: .utf8)
        #expect(summary.contains("\"judge_usage\""))

        try Self.judgedFlow(verdict: "fail").write(toFile: dir + "/flow.yaml", atomically: true, encoding: .utf8)
        let failed = try await parley(["run", "flow.yaml", "--out", "failed"], in: dir, status: 1)
        #expect(failed.stdout.contains("flow.yaml:11:7: failed: the judge's verdict is fail on"), "\(failed.stdout)")
        #expect(failed.stdout.contains("judge said: \"replacement is on its way\" does not appear"))
    }

    @Test func rejudgeGradesSavedTranscriptsWithTheCurrentCriteriaIntoANewRun() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try Self.judgedFlow(verdict: "pass").write(toFile: dir + "/flow.yaml", atomically: true, encoding: .utf8)
        try await parley(["run", "flow.yaml", "--out", "base"], in: dir, status: 0)
        // The criteria change; the agent is not asked again.
        try Self.judgedFlow(verdict: "fail").write(toFile: dir + "/flow.yaml", atomically: true, encoding: .utf8)
        let result = try await parley(["rejudge", "base", "--out", "regraded"], in: dir, status: 1)
        #expect(result.stdout.contains("judged-refund--dana--1: passed → failed"), "\(result.stdout)")
        #expect(result.stdout.contains("compare: parley diff base regraded"))
        let regraded = try transcript(dir + "/regraded/transcripts/judged-refund--dana--1.json")
        #expect(regraded.outcome == .failed)
        #expect(regraded.turns.count == 4, "the saved conversation, untouched")
        #expect(regraded.judgments?.first?.criteria.map(\.verdict) == [.pass, .fail])
        let diff = try await parley(["diff", "base", "regraded"], in: dir, status: 1)
        #expect(diff.stdout.contains("judged-refund"), "\(diff.stdout)")
        // Another judge that does not exist is refused before anything is graded.
        let unknown = try await parley(["rejudge", "base", "--judge", "nobody"], in: dir, status: 2)
        #expect(unknown.stderr.contains("unknown judge `nobody`"), "\(unknown.all)")
    }

    @Test func calibrateReportsAgreementKappaAndTheConfusionMatrix() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try Self.judgedFlow(verdict: "pass").write(toFile: dir + "/flow.yaml", atomically: true, encoding: .utf8)
        try await parley(["run", "flow.yaml", "--out", "run"], in: dir, status: 0)
        let t = "run/transcripts/judged-refund--dana--1.json"
        let labels = [
            #"{"transcript":"\#(t)","criterion":"The agent called `order-lookup`.","human":"pass"}"#,
            #"{"transcript":"\#(t)","criterion":"The agent called `order-lookup`.","human":"pass"}"#,
            #"{"transcript":"\#(t)","criterion":"The agent called `create-replacement`.","human":"fail"}"#,
            #"{"transcript":"\#(t)","criterion":"The agent called `create-replacement`.","human":"pass"}"#,
            #"{"transcript":"\#(t)","criterion":"The reply is polite.","human":"pass","reply":2}"#,
        ]
        try labels.joined(separator: "\n").write(toFile: dir + "/labels.jsonl", atomically: true, encoding: .utf8)
        let result = try await parley(
            ["judge", "calibrate", "labels.jsonl", "--out", "calibration.json"], in: dir, status: 0)
        #expect(result.stdout.contains("2 pairs · agreement 100% · Cohen's kappa undefined"), "\(result.stdout)")
        #expect(result.stdout.contains("2 pairs · agreement 50% · Cohen's kappa 0.000"))
        #expect(result.stdout.contains("  judge inconclusive           1           0"))
        let json = try String(contentsOfFile: dir + "/calibration.json", encoding: .utf8)
        #expect(json.contains("\"agreement\": 0.5"))

        try "{\"transcript\": 1}\n".write(toFile: dir + "/bad.jsonl", atomically: true, encoding: .utf8)
        let bad = try await parley(["judge", "calibrate", "bad.jsonl"], in: dir, status: 2)
        #expect(bad.stderr.contains("bad.jsonl:1: error: `transcript` (a transcript file) is missing"), "\(bad.all)")
    }

    @Test func aProjectSaysWhichJudgeGrades() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try Self.judgedFlow(verdict: "pass").write(toFile: dir + "/flow.yaml", atomically: true, encoding: .utf8)
        let local = "targets:\n  local: { provider: local }\ndefault_target: local\n"
        try local.write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        let builtIn = try await parley(["run", "flow.yaml", "--out", "run"], in: dir, status: 0)
        #expect(builtIn.stderr.contains("warning: parley.yaml has no `judges:`"), "\(builtIn.all)")
        try (local + "judges: { gpt: { model: gpt-4o-mini, api_key: sk-x } }\n").write(
            toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        let result = try await parley(["validate", "flow.yaml"], in: dir, status: 2)
        #expect(result.all.contains("flow.yaml:8:1: error: no default judge"), "\(result.all)")
        try (local + "judges: { gpt: { model: gpt-4o-mini, api_key: sk-x } }\ndefault_judge: sandbox\n").write(
            toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        let chosen = try await parley(["run", "flow.yaml", "--out", "run2"], in: dir, status: 0)
        #expect(!chosen.stderr.contains("has no `judges:`"))
    }
}
