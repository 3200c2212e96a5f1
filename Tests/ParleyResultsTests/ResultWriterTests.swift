import Foundation
import Testing
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyRun

@Suite struct ResultWriterTests {
    func sampleResult(
        id: String = "refund--dana--1", outcome: Outcome = .failed, reply: String = "Sorry <b>no</b> & \u{1} refund"
    ) -> FlowRunResult {
        var failure: FailureInfo?
        if outcome != .passed {
            failure = FailureInfo(
                message: "expected the agent's reply to match /refund issued/i",
                location: SourceLocation(file: "flows/refund.yaml", line: 9, column: 5),
                stepKind: "expect", expected: "/refund issued/i", actual: reply)
        }
        var turn = Turn(role: .agent, text: reply, at: Date())
        turn.latencyMs = 120
        let started = Date()
        return FlowRunResult(
            id: id, flow: "refund", file: "flows/refund.yaml", persona: "Dana", repetition: 1, target: "local",
            provider: "local", labels: ["regression"], outcome: outcome, failure: failure,
            startedAt: started, finishedAt: started.addingTimeInterval(1.5), conversationId: "c-\(id)",
            opening: .agentFirst, turns: [turn])
    }

    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("parley-run-\(UUID().uuidString)").path
    }

    @Test func eachResultIsALineAndATranscriptTheMomentItIsRecorded() throws {
        let dir = temporaryDirectory()
        let writer = try RunWriter(directory: dir)
        try writer.record(sampleResult(id: "a--dana--1", outcome: .passed))
        #expect(try RunWriter.readRecords(directory: dir).map(\.id) == ["a--dana--1"])
        try writer.record(sampleResult(id: "b--dana--1"))
        let records = try RunWriter.readRecords(directory: dir)
        #expect(records.map(\.id) == ["a--dana--1", "b--dana--1"])
        #expect(records[1].failure?.location.line == 9)
        #expect(records[1].latenciesMs == [120])
        #expect(records[1].conversationId == "c-b--dana--1", "every key written must read back")
        #expect(records[1].durationMs == 1500)
        let transcript = try String(contentsOfFile: dir + "/transcripts/b--dana--1.json", encoding: .utf8)
        #expect(transcript.contains("\"latency_ms\": 120"))
    }

    @Test func transcriptsReadBackAsTheyWereWritten() throws {
        var result = sampleResult(id: "full--dana--1")
        var user = Turn(
            role: .user, text: "Refund \"please\"\n\u{1}", at: Date(timeIntervalSince1970: 1_790_000_000.123))
        user.simulated = true
        user.candidates = ["a", "b"]
        var agent = Turn(role: .agent, text: "Sure", at: Date(timeIntervalSince1970: 1_790_000_001.5))
        agent.messages = ["Sure", "Anything else?"]
        agent.timeToFirstChunkMs = 12.5
        agent.latencyMs = 40.25
        agent.ids = ["conversation_id": "c1", "interaction_id": "i1"]
        agent.events = [ProviderEvent(kind: "escalation", detail: "escalated"), ProviderEvent(kind: "closed")]
        agent.conversationCompleted = true
        agent.actions = [
            AgentAction(kind: .dynamicBehavior, name: "calm", version: "1", detail: "previously none"),
            AgentAction(kind: .stateTransition, name: "refund_offer", from: "greeting"),
            .tool(
                "order-lookup", arguments: ["order_number": "ORD-1", "nested": ["a": [1, true, nil], "b": "x"]],
                result: #"{"status":"shipped"}"#, version: "2", durationMs: 250.5),
            AgentAction(kind: .step, name: "engage-user"),
        ]
        result.turns = [user, agent]
        let here = SourceLocation(file: "f.yaml", line: 7, column: 1)
        result.judgments = [
            Judgment(
                step: 0, location: here, judge: "gpt", model: "gpt-4o", turnsSeen: 2,
                criteria: [
                    CriterionVerdict(criterion: "polite", verdict: .inconclusive, reasoning: "hm", passed: true)
                ],
                replies: [
                    ReplyVerdicts(
                        turn: 1,
                        verdicts: [
                            CriterionVerdict(criterion: "short", verdict: .fail, reasoning: "long", passed: false)
                        ])
                ], minScore: 0.5, cached: true)
        ]
        result.judgeUsage = JudgeUsage(calls: 2, cachedCalls: 1, promptTokens: 300, completionTokens: 40)
        result.steps = [
            StepResult(
                index: 0, kind: .expectNot, location: SourceLocation(file: "f.yaml", line: 3, column: 5),
                status: .failed,
                detail: "no", durationMs: 1.25)
        ]
        result.conversationTags = ["outcome": "refunded"]
        result.notes = ["ending failed"]
        result.interrupted = true
        result.failure?.errorKind = .timeout

        let dir = temporaryDirectory()
        let record = try RunWriter(directory: dir).record(result)
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + record.transcript))
        let read = try FlowRunResult(json: JSONValue(parsing: data))
        #expect(read.json == result.json, "every field survives the round trip")
        #expect(abs(read.turns[0].at.timeIntervalSince(user.at)) < 0.001, "timestamps keep milliseconds")
        #expect(read.turns[1].events == agent.events)
        #expect(read.turns[1].actions == agent.actions, "actions, arguments included, survive the round trip")
        #expect(read.judgments == result.judgments)
        #expect(read.judgeUsage == result.judgeUsage)
        #expect(record.judgeUsage == result.judgeUsage)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""kind": "tool-call""#))
        #expect(text.contains(#""turns_seen": 2"#))
        #expect(read.failure == result.failure)
        #expect(try RunWriter.readRecords(directory: dir).map(\.json) == [record.json])
    }

    @Test func judgeUsageIsAddedUpForTheRun() {
        var judged = sampleResult(id: "a--dana--1")
        judged.judgeUsage = JudgeUsage(calls: 2, cachedCalls: 1, promptTokens: 100, completionTokens: 10)
        var other = sampleResult(id: "b--dana--1")
        other.judgeUsage = JudgeUsage(calls: 1, promptTokens: 50, completionTokens: 5)
        let records = [judged, other, sampleResult(id: "c--dana--1")].map {
            ResultRecord($0, transcript: "transcripts/\($0.id).json")
        }
        func summary(_ records: [ResultRecord]) -> RunSummary {
            RunSummary(runId: "r", startedAt: Date(), finishedAt: Date(), records: records)
        }
        #expect(
            summary(records).judgeUsage == JudgeUsage(calls: 3, cachedCalls: 1, promptTokens: 150, completionTokens: 15)
        )
        #expect(summary(Array(records.suffix(1))).judgeUsage == nil, "nothing judged, nothing to say")
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 1_790_000_000.9996)) == "2026-09-21T14:13:21.000Z")
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 951_782_400.25)) == "2000-02-29T00:00:00.250Z")
        let date = Date(timeIntervalSince1970: 1_790_000_000.25)
        #expect(Timestamp.format(date, fractionDigits: 0) == "2026-09-21T14:13:20Z")
        #expect(Timestamp.format(date, fractionDigits: 6) == "2026-09-21T14:13:20.250000Z")
        #expect(
            Timestamp.format(Date(timeIntervalSince1970: 253_402_300_799), fractionDigits: 1)
                == "9999-12-31T23:59:59.0Z")
    }

    /// A time a writer puts straight into its buffer reads as the string the tree holds, alone, in
    /// an array and as a member, compact and indented: near a second's end (rounded up into the
    /// next), a leap day, the first and the last instant written.
    @Test func timestampsWrittenInPlaceMatchTheirStrings() {
        let dates = [0, 1_790_000_000.9996, 1_790_000_000.0004, 951_782_400.25, 253_402_300_799, -5].map {
            Date(timeIntervalSince1970: $0)
        }
        for date in dates {
            #expect(date.jsonBytes == JSONValue.string(Timestamp.iso8601(date)).bytes, "\(date)")
            #expect(
                [date, date].jsonBytes
                    == JSONValue.array(Array(repeating: .string(Timestamp.iso8601(date)), count: 2)).bytes)
            let tree = JSONValue.object([("at", .string(Timestamp.iso8601(date))), ("n", .string("x"))])
            for pretty in [false, true] {
                var writer = JSONWriter(pretty: pretty)
                writer.beginObject()
                writer.key("at")
                writer.timestamp(date)
                writer.key("n")
                writer.string("x")
                writer.endObject()
                #expect(writer.bytes == (pretty ? tree.prettyBytes : tree.bytes), "\(date), pretty: \(pretty)")
            }
        }
    }

    /// The calendar arithmetic agrees with the C library's `gmtime_r` on every day it can write
    /// (years 1970–9999, a sample of every 97th day and each day around the leap rules' edges), at
    /// a different time of day each.
    @Test func timestampsAgreeWithTheCLibraryEveryDay() {
        let lastDay = 253_402_300_799 / 86_400
        let edges = [(1972, 2, 28), (1999, 12, 31), (2000, 2, 28), (2100, 2, 28), (2400, 2, 28), (9999, 12, 29)]
            .flatMap { year, month, day -> [Int] in
                var parts = tm()
                parts.tm_year = Int32(year - 1900)
                parts.tm_mon = Int32(month - 1)
                parts.tm_mday = Int32(day)
                let first = timegm(&parts) / 86_400
                return [first - 1, first, first + 1, first + 2]
            }
        for day in Array(stride(from: 0, through: lastDay, by: 97)) + edges + [lastDay] where day <= lastDay {
            var seconds = time_t(min(day * 86_400 + (day * 7_919) % 86_400, 253_402_300_799))
            var parts = tm()
            gmtime_r(&seconds, &parts)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                parts.tm_hour, parts.tm_min, parts.tm_sec)
            let written = Timestamp.format(Date(timeIntervalSince1970: Double(seconds)), fractionDigits: 0)
            guard written == expected else {
                Issue.record("day \(day): \(written), the C library says \(expected)")
                return
            }
        }
    }

    @Test func aTornLastLineFromACrashIsIgnored() throws {
        let dir = temporaryDirectory()
        let writer = try RunWriter(directory: dir)
        try writer.record(sampleResult(id: "a--dana--1"))
        let handle = try #require(FileHandle(forWritingAtPath: dir + "/results.jsonl"))
        handle.seekToEndOfFile()
        handle.write(Data("{\"id\":\"half".utf8))
        try handle.close()
        #expect(try RunWriter.readRecords(directory: dir).map(\.id) == ["a--dana--1"])
    }

    @Test func secretsAreRedactedFromEverythingWritten() throws {
        let dir = temporaryDirectory()
        let writer = try RunWriter(directory: dir, secrets: SecretRegistry(["sk-live-SECRET123"]))
        try writer.record(sampleResult(id: "a--dana--1", reply: "your key is sk-live-SECRET123"))
        let transcript = try String(contentsOfFile: dir + "/transcripts/a--dana--1.json", encoding: .utf8)
        let results = try String(contentsOfFile: dir + "/results.jsonl", encoding: .utf8)
        #expect(!transcript.contains("SECRET123"))
        #expect(!results.contains("SECRET123"))
        #expect(transcript.contains("[redacted]"))
    }

    @Test func summaryCountsOutcomesPassRatesAndFlakiness() throws {
        let records = [
            ResultRecord(sampleResult(id: "r--dana--1", outcome: .passed), transcript: ""),
            ResultRecord(sampleResult(id: "r--dana--2", outcome: .failed), transcript: ""),
            ResultRecord(sampleResult(id: "r--dana--3", outcome: .error), transcript: ""),
        ]
        let summary = RunSummary(runId: "x", startedAt: Date(), finishedAt: Date(), records: records, planned: 4)
        #expect(summary.passed == 1)
        #expect(summary.failed == 1)
        #expect(summary.errors == 1)
        #expect(summary.notRun == 1)
        #expect(summary.flows.first?.flaky == true)
        #expect(summary.exitCode == 1)
        #expect(RunSummary(runId: "x", startedAt: Date(), finishedAt: Date(), records: [records[2]]).exitCode == 3)
        #expect(RunSummary(runId: "x", startedAt: Date(), finishedAt: Date(), records: [records[0]]).exitCode == 0)
    }
}
