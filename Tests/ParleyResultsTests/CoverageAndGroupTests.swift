import Foundation
import Testing
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyRun
import ParleyStatistics
import ParleyTestSupport

/// Coverage of states, tools and intents, and pass rates by persona and scenario.
@Suite struct CoverageAndGroupTests {
    static func run(_ outcome: Outcome, actions: [AgentAction], persona: String = "Dana") -> FlowRunResult {
        var result = RunFixtures.result(persona: persona, outcome: outcome)
        result.turns[1].actions = actions
        return result
    }

    static let inventory = CoverageInventory(
        states: ["greeting", "refund_offer", "refund_issued", "escalated"],
        tools: ["order-lookup", "issue-refund"], intents: ["calm-frustrated-customer"], source: "parley.yaml")

    /// Names gathered by comparison, then past sixteen of a kind in a set, are each kind's distinct
    /// names: few and repeated, and many (40 states, each entered and left several times).
    @Test func exercisedNamesAreTheDistinctOnes() {
        for kinds in [3, 16, 17, 40] {
            var actions: [AgentAction] = []
            for round in 0..<3 {
                for index in 0..<kinds {
                    let state = "state-\((index * 7 + round) % kinds)"
                    actions.append(AgentAction(kind: .stateTransition, name: state, from: "state-\(index % kinds)"))
                    actions.append(.tool("tool-\((index + round) % kinds)"))
                    actions.append(AgentAction(kind: .dynamicBehavior, name: "intent-\(index % 5)"))
                    actions.append(AgentAction(kind: .stateTransition, name: "", from: ""))
                }
            }
            let exercised = RunCoverage.Exercised(turns: Self.run(.passed, actions: actions).turns)
            let expected = (0..<kinds).map { "state-\($0)" } + [""]
            #expect(exercised.states == Set(expected), "\(kinds)")
            #expect(exercised.tools == Set((0..<kinds).map { "tool-\($0)" }), "\(kinds)")
            #expect(exercised.intents == Set((0..<min(kinds, 5)).map { "intent-\($0)" }), "\(kinds)")
        }
    }

    @Test func itemsAreCountedInPassingAndFailingRunsWithGapsFirst() throws {
        let results = [
            Self.run(
                .passed,
                actions: [
                    AgentAction(kind: .stateTransition, name: "refund_offer", from: "greeting"), .tool("order-lookup"),
                ]),
            Self.run(
                .failed,
                actions: [
                    AgentAction(kind: .stateTransition, name: "refund_offer", from: "greeting"),
                    AgentAction(kind: .stateTransition, name: "refund_issued", from: "refund_offer"),
                    .tool("order-lookup"), .tool("issue-refund"), .tool("order-lookup"),
                    AgentAction(kind: .dynamicBehavior, name: "calm-frustrated-customer"),
                    AgentAction(kind: .stateTransition, name: "secret_state", from: "refund_issued"),
                    AgentAction(kind: .step, name: "engage-user"),
                ]),
        ]
        let coverage = RunCoverage(
            runId: "r", observed: results.map { ($0.outcome == .passed, RunCoverage.Exercised(turns: $0.turns)) },
            inventory: Self.inventory)
        let states = try #require(coverage.kinds.first { $0.kind == .states })
        #expect(states.items.map(\.name) == ["escalated", "refund_issued", "secret_state", "greeting", "refund_offer"])
        #expect(states.items.map(\.declared) == [true, true, false, true, true])
        #expect(states.items.first { $0.name == "refund_offer" }.map { [$0.passedRuns, $0.failingRuns] } == [1, 1])
        #expect(states.declared == 4)
        #expect(states.exercised == 3)
        let tools = try #require(coverage.kinds.first { $0.kind == .tools })
        // A tool called twice in one run counts that run once.
        #expect(
            tools.items.map { "\($0.name) \($0.passedRuns)/\($0.failingRuns)" } == [
                "issue-refund 0/1", "order-lookup 1/1",
            ])
        #expect(coverage.declared == 7)
        #expect(coverage.exercised == 6)
        #expect(coverage.runs == 2)
        #expect(coverage.passedRuns == 1)
        #expect(coverage.meets(0.85))
        #expect(!coverage.meets(0.9))
    }

    @Test func withoutAnInventoryOnlyWhatTheAgentDidIsListedAndNothingCanMeetAMinimum() {
        let coverage = RunCoverage(
            runId: "r",
            observed: [(true, RunCoverage.Exercised(turns: Self.run(.passed, actions: [.tool("x")]).turns))],
            inventory: nil)
        #expect(coverage.inventory == nil)
        #expect(coverage.ratio == nil)
        #expect(!coverage.meets(0))
        #expect(coverage.kinds.flatMap(\.items).map(\.name) == ["x"])
    }

    @Test func coverageIsReadFromTheTranscriptsOfARunDirectoryAndWrittenBack() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cov-\(UUID().uuidString)").path
        let writer = try RunWriter(directory: directory)
        try writer.record(Self.run(.passed, actions: [.tool("order-lookup")]))
        var broken = Self.run(.failed, actions: [.tool("issue-refund")], persona: "Sam")
        broken.id = "refund--sam--1"
        try writer.record(broken)
        try FileManager.default.removeItem(atPath: directory + "/transcripts/refund--sam--1.json")
        let run = RunDirectory(path: directory)
        let coverage = run.coverage(records: try run.records(), inventory: Self.inventory)
        #expect(coverage.runs == 1)
        #expect(coverage.unreadable == 1)
        try RunWriter.writeCoverage(coverage, to: directory)
        let stored = try #require(run.storedCoverage())
        #expect(stored.exercised == coverage.exercised)
        #expect(stored.kinds.flatMap(\.items) == coverage.kinds.flatMap(\.items))
    }

    @Test func summariesGivePassRatesByPersonaAndScenario() {
        var results: [FlowRunResult] = []
        for (persona, scenario, outcome) in [
            ("Dana", "late", Outcome.passed), ("Dana", "damaged", .failed), ("Sam", "late", .passed),
            ("Sam", "damaged", .error),
        ] {
            var result = RunFixtures.result(persona: persona, outcome: outcome)
            result.scenario = scenario
            results.append(result)
        }
        var lone = RunFixtures.result(flow: "other", persona: nil)
        lone.scenario = nil
        results.append(lone)
        let summary = RunSummary(
            runId: "r", startedAt: RunFixtures.start, finishedAt: RunFixtures.start,
            records: results.map { ResultRecord($0, transcript: "") })
        #expect(summary.personas?.map(\.name) == ["Dana", "Sam"])
        #expect(summary.personas?.map(\.passRate) == [0.5, 0.5])
        #expect(
            summary.scenarios?.map { "\($0.name) \($0.passed)/\($0.runs) \($0.failed) \($0.errors)" } == [
                "late 2/2 0 0", "damaged 0/2 1 1",
            ])
        let none = RunSummary(
            runId: "r", startedAt: RunFixtures.start, finishedAt: RunFixtures.start,
            records: [
                ResultRecord(lone, transcript: "")
            ])
        #expect(none.personas == nil)
        #expect(none.scenarios == nil)
    }

    @Test func aMatrixIsFlakyOnlyWhenRepetitionsOfOnePairDisagree() {
        func record(_ scenario: String, _ repetition: Int, _ outcome: Outcome) -> ResultRecord {
            var result = RunFixtures.result(flow: "matrix", persona: "Dana", repetition: repetition, outcome: outcome)
            result.id = "matrix--dana--\(scenario)--\(repetition)"
            result.scenario = scenario
            return ResultRecord(result, transcript: "")
        }
        func summary(_ records: [ResultRecord]) -> RunSummary {
            RunSummary(runId: "r", startedAt: RunFixtures.start, finishedAt: RunFixtures.start, records: records)
        }
        // One scenario always passes and the other always fails: the agent is wrong, not flaky.
        let steady = summary([record("late", 1, .passed), record("late", 2, .passed), record("damaged", 1, .failed)])
        #expect(steady.flows.first?.flaky == false)
        let flaky = summary([record("late", 1, .passed), record("late", 2, .failed), record("damaged", 1, .failed)])
        #expect(flaky.flows.first?.flaky == true)
        #expect(flaky.scenarios?.first?.passRateInterval == WilsonInterval(successes: 1, trials: 2))
    }

    @Test func scenarioCaseAndUsageAreWrittenAndReadBack() throws {
        var result = RunFixtures.result()
        result.scenario = "late parcel"
        result.dataCase = CaseReference(name: "cracked blender", file: "flows/orders.csv", line: 3)
        result.usage = [TokenUsage(role: .agent, model: "m", calls: 1, inputTokens: 1_000_000, outputTokens: 0)]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("case-\(UUID().uuidString)").path
        let writer = try RunWriter(
            directory: directory, pricing: Pricing(models: ["m": .init(inputPerMillion: 2, outputPerMillion: 4)]))
        let record = try writer.record(result)
        let line = try #require(
            String(contentsOfFile: directory + "/results.jsonl", encoding: .utf8).split(separator: "\n").first)
        let json = try JSONValue(parsing: String(line))
        #expect(json["scenario"] == "late parcel")
        #expect(json["case"]?["name"] == "cracked blender")
        #expect(json["case"]?["line"]?.int == 3)
        let read = try #require(try RunDirectory(path: directory).records().first)
        #expect(read.scenario == record.scenario)
        #expect(read.dataCase?.file == "flows/orders.csv")
        // What the other fields of the record hold is read back beside them.
        #expect(read.usage == result.usage)
        #expect(read.cost == 2)
        let transcript = try RunDirectory(path: directory).transcript(for: read)
        #expect(transcript.scenario == "late parcel")
        #expect(transcript.dataCase == result.dataCase)
        #expect(transcript.usage == result.usage)
    }
}
