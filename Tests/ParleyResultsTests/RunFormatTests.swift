import Foundation
import Testing
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyRun
import ParleyTestSupport

/// Each file of a run directory is one codec: whatever is written reads back equal, every optional
/// member present or absent, and a broken file says which member is wrong.
@Suite struct RunFormatTests {
    /// Times as the files hold them: UTC, milliseconds.
    static func at(_ text: String) throws -> Date { try #require(Timestamp.parse(text)) }

    static let location = SourceLocation(file: "flows/refund.yaml", line: 9, column: 5)

    static func fullFailure() -> FailureInfo {
        FailureInfo(
            message: "expected \"refund\"\n\tgot <b>no</b> & \u{1}", location: location, stepKind: "expect",
            expected: "/refund issued/i", actual: "Sorry — no refund 🙁", errorKind: .timeout)
    }

    /// A transcript using every member the format has.
    static func fullResult() throws -> FlowRunResult {
        var result = FlowRunResult(
            id: "refund--dana--2", flow: "refund", file: "flows/refund.yaml", persona: "Dana", repetition: 2,
            target: "staging", provider: "amigo", labels: ["regression", "billing"],
            conversationTags: ["z": "last", "outcome": "refunded", "": "empty key"], outcome: .error,
            failure: fullFailure(), startedAt: try at("2026-01-15T10:30:00.123Z"),
            finishedAt: try at("2026-01-15T10:30:04.567Z"), conversationId: "c-9007199254740993",
            opening: .agentFirst, notes: ["ending the conversation failed: 503", ""])
        result.scenario = "damaged item"
        result.dataCase = CaseReference(name: "cracked blender", file: "flows/tables/orders.csv", line: 4)
        var greeting = Turn(role: .agent, text: "Hello!", at: try at("2026-01-15T10:30:00.400Z"))
        greeting.latencyMs = 277.125
        greeting.events = [ProviderEvent(kind: "greeting")]
        var user = Turn(role: .user, text: "Refund \"please\"\n\u{1}", at: try at("2026-01-15T10:30:01.000Z"))
        user.simulated = true
        user.candidates = ["Refund please", "Refund \"please\"\n\u{1}", ""]
        var agent = Turn(role: .agent, text: "Sure\nAnything else?", at: try at("2026-01-15T10:30:02.999Z"))
        agent.messages = ["Sure", "Anything else?"]
        agent.timeToFirstChunkMs = 12.5
        agent.latencyMs = 1999.001
        agent.ids = ["conversation_id": "c1", "interaction_id": "i1"]
        agent.events = [ProviderEvent(kind: "escalation", detail: "to a human"), ProviderEvent(kind: "closed")]
        agent.conversationCompleted = true
        let order = try #require(JSONNumber("12345678901234567890"))
        agent.actions = [
            AgentAction(kind: .stateTransition, name: "refund_offer", from: "greeting"),
            .tool(
                "order-lookup", arguments: ["order": .number(order), "filters": ["z": [1.50, true, nil], "a": "x"]],
                result: #"{"status":"shipped"}"#, version: "2", durationMs: 250.5),
        ]
        let event = Turn(role: .event, text: "user-hung-up", at: try at("2026-01-15T10:30:04.000Z"))
        result.turns = [greeting, user, agent, event]
        result.steps = [
            StepResult(index: 0, kind: .expect, location: location, status: .passed, durationMs: 0.25),
            StepResult(
                index: 1, kind: .simulate, location: location, status: .failed, detail: "no match", durationMs: 1.125),
            StepResult(index: 2, kind: .end, location: location, status: .skipped),
        ]
        result.judgments = [
            Judgment(
                step: 2, location: location, judge: "strict", model: "gpt-4o", turnsSeen: 3,
                criteria: [CriterionVerdict(criterion: "polite", verdict: .inconclusive, reasoning: "", passed: true)],
                replies: [
                    ReplyVerdicts(
                        turn: 2,
                        verdicts: [
                            CriterionVerdict(criterion: "short", verdict: .fail, reasoning: "long", passed: false)
                        ])
                ], minScore: 0.75, cached: true),
            Judgment(
                step: nil, location: location, judge: "closing", model: "m", turnsSeen: 4, criteria: [], replies: [],
                minScore: nil, cached: false),
        ]
        result.usage = [
            TokenUsage(role: .agent, model: "gpt-4o", calls: 2, inputTokens: 900, outputTokens: 120),
            TokenUsage(role: .judge, model: "unpriced", calls: 1, inputTokens: 300, outputTokens: 9),
        ]
        result.judgeUsage = JudgeUsage(calls: 3, cachedCalls: 1, promptTokens: 1200, completionTokens: 80)
        result.interrupted = true
        return result
    }

    /// The same flow run with every optional member left out.
    static func bareResult() throws -> FlowRunResult {
        FlowRunResult(
            id: "hello--default--1", flow: "hello", file: "hello.yaml", persona: nil, repetition: 1, target: "local",
            provider: "local", labels: [], outcome: .passed, startedAt: try at("2026-01-15T10:30:00.000Z"),
            finishedAt: try at("2026-01-15T10:30:00.000Z"), opening: .userFirst)
    }

    /// Options that make a summary fill every optional member.
    static let everyOption = RunSummary.Options(
        k: 1, gate: .lowerBound, minPassRates: ["refund": 0.5], defaultMinPassRate: 0.9,
        pricing: Pricing(models: ["gpt-4o": Pricing.Price(inputPerMillion: 2.5, outputPerMillion: 10)]))

    @Test func transcriptsReadBackEqual() throws {
        for result in [try Self.fullResult(), try Self.bareResult()] {
            let written = result.json.prettyBytes
            let read = try FlowRunResult(json: JSONValue(parsing: written))
            #expect(read == result)
            #expect(read.json.prettyBytes == written, "written again, byte for byte the same")
        }
        let text = try Self.fullResult().json.serialized
        #expect(text.contains(#""arguments":{"filters":{"a":"x","z":[1.5,true,null]},"order":12345678901234567890}"#))
    }

    /// Files are written straight from the values (no tree): byte for byte what the tree gives.
    @Test func writtenStraightFromTheValuesAsTheTreeWritesThem() throws {
        for result in [try Self.fullResult(), try Self.bareResult()] {
            #expect(result.prettyJSONBytes == result.json.prettyBytes)
            #expect(result.jsonBytes == result.json.bytes)
            var record = ResultRecord(result, transcript: "transcripts/\(result.id).json")
            record.cost = 0.0034
            #expect(record.jsonBytes == record.json.bytes)
            #expect(record.prettyJSONBytes == record.json.prettyBytes)
            let summary = RunSummary(
                runId: "r", startedAt: result.startedAt, finishedAt: result.finishedAt, records: [record], planned: 2,
                options: Self.everyOption)
            #expect(summary.prettyJSONBytes == summary.json.prettyBytes)
        }
        let empty: [String: [Int]] = ["b": [], "a": [1, 2]]
        #expect(empty.prettyJSONBytes == empty.json.prettyBytes)
        #expect([[String]]([[], ["x"]]).jsonBytes == [[String]]([[], ["x"]]).json.bytes)
    }

    @Test func resultLinesReadBackEqual() throws {
        for result in [try Self.fullResult(), try Self.bareResult()] {
            let record = ResultRecord(result, transcript: "transcripts/\(result.id).json")
            let line = record.json.serialized
            #expect(!line.contains("\n"), "one line")
            let read = try ResultRecord(json: JSONValue(parsing: line))
            #expect(read == record)
            #expect(read.json.serialized == line)
        }
    }

    @Test func aResultLineIsTheTranscriptsHeaderThenItsOwnMembers() throws {
        let result = try Self.fullResult()
        let transcriptKeys = try #require(result.json.object).map(\.0)
        var record = ResultRecord(result, transcript: "t")
        record.cost = 0.0034
        let lineKeys = try #require(record.json.object).map(\.0)
        let header = [
            "id", "flow", "file", "persona", "scenario", "case", "repetition", "target", "provider", "labels",
            "conversation_tags",
            "outcome", "failure", "started_at", "finished_at", "duration_ms", "conversation_id", "usage",
            "judge_usage",
        ]
        #expect(transcriptKeys == header + ["opening", "turns", "steps", "notes", "judgments", "interrupted"])
        #expect(lineKeys == header + ["turns", "transcript", "latencies_ms", "cost"])
    }

    /// A property left out of `members` would silently be neither written nor read: with every
    /// optional set, each stored property must be one member (a header's members are its record's).
    @Test func everyStoredPropertyIsAMember() throws {
        func check(_ value: some JSONRecord, embedding parts: Int = 0, _ name: String) {
            let properties = Mirror(reflecting: value).children.count
            #expect(value.json.object?.count == properties + parts, "\(name)")
        }
        let result = try Self.fullResult()
        var turn = try #require(result.turns.first { $0.actions != nil })
        turn.simulated = true
        turn.candidates = ["a"]
        check(result.header, "FlowRunHeader")
        check(result, embedding: Mirror(reflecting: result.header).children.count - 1, "FlowRunResult")
        var record = ResultRecord(result, transcript: "t")
        record.cost = 0.0034
        check(record, embedding: Mirror(reflecting: record.header).children.count - 1, "ResultRecord")
        check(Self.fullFailure(), "FailureInfo")
        check(turn, "Turn")
        check(try #require(result.steps.first { $0.detail != nil }), "StepResult")
        check(ProviderEvent(kind: "k", detail: "d"), "ProviderEvent")
        check(
            AgentAction(
                kind: .toolCall, name: "n", version: "1", arguments: [:], result: "r", durationMs: 1, from: "f",
                detail: "d"), "AgentAction")
        check(try #require(result.judgments?.first), "Judgment")
        check(try #require(result.judgeUsage), "JudgeUsage")
        var summary = RunSummary(
            runId: "r", startedAt: RunFixtures.start, finishedAt: RunFixtures.start, records: [record],
            options: Self.everyOption)
        summary.budget = BudgetStop(maxTokens: 10, maxCost: 1, spentTokens: 12, spentCost: 0.5, notStarted: 3)
        check(summary, "RunSummary")
        check(try #require(summary.flows.first), "FlowSummary")
        check(try #require(summary.usage), "RunCost")
        check(try #require(summary.usage?.byModel.first), "TokenUsage")
        check(try #require(summary.budget), "BudgetStop")
        check(try #require(summary.passRateInterval), "WilsonInterval")
        check(try #require(summary.latencyMs), "Percentiles")
        let metadata = RunMetadata(
            runId: "r", paths: [], target: "t", config: "c", filters: [], repeatCount: 1, seed: 1,
            shard: Shard(parsing: "1/2"), skipUnsupported: false, planned: 1, concurrency: 3, failFast: true,
            junit: "j.xml", html: "r.html", minPassRate: 0.9, k: 2, gate: .lowerBound, baseline: "base",
            alpha: 0.01,
            environment: RunEnvironment(gitCommit: "abc", gitBranch: "main", ciJob: "github:1", ciURL: "https://ci"))
        check(metadata, "RunMetadata")
        check(try #require(metadata.environment), "RunEnvironment")
        check(try #require(result.dataCase), "CaseReference")
        check(try #require(summary.personas?.first), "GroupSummary")
        #expect(summary.scenarios?.first?.name == "damaged item")
        let coverage = Self.coverage()
        check(coverage, "RunCoverage")
        check(try #require(coverage.kinds.first), "RunCoverage.Kind")
        check(try #require(coverage.kinds.first?.items.first), "RunCoverage.Item")
    }

    /// Coverage with a declared inventory, items of every kind, exercised or not.
    static func coverage() -> RunCoverage {
        var exercised = RunCoverage.Exercised()
        exercised.states = ["refund_offer", "undeclared_state"]
        exercised.tools = ["issue-refund"]
        exercised.intents = ["calm"]
        let inventory = CoverageInventory(
            states: ["refund_offer", "escalated"], tools: ["issue-refund"], source: "parley.yaml")
        var coverage = RunCoverage(
            runId: "r", observed: [(true, exercised), (false, exercised), (false, RunCoverage.Exercised())],
            inventory: inventory)
        coverage.unreadable = 1
        return coverage
    }

    @Test func coverageReadsBackEqual() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cov-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let coverage = Self.coverage()
        try RunWriter.writeCoverage(coverage, to: directory)
        let written = try #require(FileManager.default.contents(atPath: directory + "/coverage.json"))
        let read = try #require(RunDirectory(path: directory).storedCoverage())
        #expect(read.json == coverage.json)
        #expect(read.json.prettyBytes == [UInt8](written), "written again, byte for byte the same")
        #expect(read.kinds.map(\.kind) == [.states, .tools, .intents])
        #expect(read.kinds[0].items.map(\.name) == ["escalated", "refund_offer", "undeclared_state"])
        #expect(read.inventory == "parley.yaml" && read.unreadable == 1 && read.passedRuns == 1)
    }

    @Test func summariesReadBackEqual() throws {
        var priced = ResultRecord(try Self.fullResult(), transcript: "transcripts/a.json")
        priced.cost = 0.0034
        let records = [
            priced,
            ResultRecord(try Self.bareResult(), transcript: "transcripts/b.json"),
            ResultRecord(RunFixtures.result(outcome: .failed, latencies: [0.001, 12.75, 3000]), transcript: "c"),
        ]
        let summaries = [
            RunSummary(
                runId: "20260115-103000-ab12", startedAt: try Self.at("2026-01-15T10:30:00.001Z"),
                finishedAt: try Self.at("2026-01-15T10:31:00.999Z"), records: records, planned: 7),
            RunSummary(
                runId: "stats", startedAt: try Self.at("2026-01-15T10:30:00.001Z"),
                finishedAt: try Self.at("2026-01-15T10:31:00.999Z"), records: records, planned: 3,
                options: Self.everyOption),
            RunSummary(
                runId: "empty", startedAt: try Self.at("2026-01-15T10:30:00.000Z"),
                finishedAt: try Self.at("2026-01-15T10:30:00.000Z"), records: []),
        ]
        #expect(summaries[0].latencyMs != nil && summaries[2].latencyMs == nil)
        #expect(summaries[0].judgeUsage != nil && summaries[2].judgeUsage == nil)
        #expect(summaries[1].usage?.cost != nil && summaries[1].flows.first?.passAtK != nil)
        for summary in summaries {
            let written = summary.json.prettyBytes
            let read = try RunSummary(json: JSONValue(parsing: written))
            #expect(read == summary)
            #expect(read.json.prettyBytes == written)
        }
    }

    @Test func aStoredSummaryTellsTheOptionsItWasComputedWith() throws {
        let record = ResultRecord(try Self.fullResult(), transcript: "t")
        let summary = RunSummary(
            runId: "r", startedAt: RunFixtures.start, finishedAt: RunFixtures.start, records: [record],
            options: Self.everyOption)
        let read = try RunSummary(json: JSONValue(parsing: summary.json.prettyBytes)).options
        #expect(read.k == 1 && read.gate == .lowerBound)
        #expect(read.minPassRates == ["refund": 0.5])
        let plain = RunSummary(
            runId: "r", startedAt: RunFixtures.start, finishedAt: RunFixtures.start, records: [record])
        #expect(plain.options.k == nil && plain.options.gate == .point && plain.options.minPassRates.isEmpty)
    }

    @Test func runDescriptionsReadBackEqual() throws {
        let described = [
            RunMetadata(
                runId: "r1", createdAt: try Self.at("2026-01-15T10:30:00.250Z"), paths: ["flows", "more/x.yaml"],
                target: "staging", config: "ci/parley.yaml", filters: ["tag:smoke", "name:refund*"], repeatCount: 5,
                seed: UInt64.max, shard: Shard(parsing: "2/3"), skipUnsupported: true, planned: 12, concurrency: 20,
                failFast: true, junit: "out/junit.xml", html: "out/report.html", minPassRate: 0.8, k: 3,
                gate: .lowerBound, baseline: ".parley/runs/base", alpha: 0.1),
            RunMetadata(
                runId: "r2", createdAt: try Self.at("2026-01-15T10:30:00.000Z"), paths: [], target: nil, config: nil,
                filters: [], repeatCount: 1, seed: 0, shard: nil, skipUnsupported: false, planned: 0),
        ]
        for metadata in described {
            let directory = RunFixtures.temporaryPath()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try metadata.write(to: directory)
            #expect(try RunMetadata.read(from: directory) == metadata)
        }
        let text = described[0].json.serialized
        #expect(text.contains(#""seed":18446744073709551615"#), "a 64-bit seed keeps every digit: \(text)")
    }

    @Test(
        arguments: [
            (#""turns":"#, #""turns":"four","#, "`turns`: expected a whole number, found a string"),
            (#""repetition":"#, #""repetition":1.5,"#, "`repetition`: 1.5 is not a whole number from"),
            (#""outcome":"error""#, #""outcome":"maybe","#, "`outcome`: unknown value `maybe`"),
            (#""started_at":"#, #""started_at":"yesterday","#, "`started_at`: `yesterday` is not an ISO 8601"),
            (#""failure":{"message":"#, #""failure":{"message":7,"#, "`failure.message`: expected a string"),
            (#""latencies_ms":["#, #""latencies_ms":[1,"x","#, "`latencies_ms[1]`: expected a number"),
        ] as [(String, String, String)])
    func aBrokenLineSaysWhichMemberIsWrong(member: String, replacement: String, message: String) throws {
        let line = ResultRecord(try Self.fullResult(), transcript: "t").json.serialized
        let start = try #require(line.range(of: member))
        let end = try #require(line[start.upperBound...].firstIndex(of: ","))
        let broken = line.replacingCharacters(in: start.lowerBound...end, with: replacement)
        #expect(throws: JSONDecodingError.self) { try ResultRecord(json: JSONValue(parsing: broken)) }
        do {
            _ = try ResultRecord(json: JSONValue(parsing: broken))
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test func aLineThatIsNotJSONIsNamedByLineAndColumn() throws {
        let directory = try RunFixtures.runDirectory([RunFixtures.result(flow: "a"), RunFixtures.result(flow: "b")])
        let path = directory + "/results.jsonl"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let broken = lines[0].replacingOccurrences(of: #""repetition":1,"#, with: #""repetition":01,"#)
        try (broken + "\n" + lines[1] + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let column = try #require(broken.range(of: "01,")).lowerBound.utf16Offset(in: broken) + 1
        #expect(throws: RunDirectoryError.self) { try RunWriter.readRecords(directory: directory) }
        do {
            _ = try RunWriter.readRecords(directory: directory)
        } catch {
            #expect(
                error.message
                    == "line 1 is not a result record (invalid number: leading zeros are not allowed "
                    + "at column \(column))")
        }
    }

    @Test func aMissingMemberIsNamed() throws {
        guard case .object(let members) = ResultRecord(try Self.bareResult(), transcript: "t").json else {
            Issue.record("a record is an object")
            return
        }
        let withoutFlow = JSONValue.object(members.filter { $0.0 != "flow" })
        #expect(throws: JSONDecodingError(path: "flow", "missing")) { try ResultRecord(json: withoutFlow) }
        let reordered = JSONValue.object(members.reversed() + [("unknown", "ignored")])
        #expect(try ResultRecord(json: reordered) == ResultRecord(try Self.bareResult(), transcript: "t"))
    }
}
