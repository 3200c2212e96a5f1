import Foundation
import Testing
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyRun
import ParleyTestSupport
@testable import parley

/// What the console prints, built as lines without a terminal: layouts, the closing digest, the
/// transcript as a conversation, the list of runs to pick from.
@Suite struct ConsoleRenderingTests {
    static let plain = Styler(color: false)
    static let colored = Styler(color: true)

    static func records(_ results: [FlowRunResult]) -> [ResultRecord] {
        results.map { ResultRecord($0, transcript: "transcripts/\($0.id).json") }
    }

    static func summary(_ records: [ResultRecord]) -> RunSummary {
        RunSummary(runId: "r", startedAt: RunFixtures.start, finishedAt: RunFixtures.start, records: records)
    }

    // MARK: - Layout

    @Test func theLayoutFollowsTerminalRunSizeAndFlags() {
        typealias Layout = ResultPrinter.Layout
        #expect(Layout.choose(verbose: false, compact: false, terminalRows: 40, total: 10) == .lines)
        #expect(Layout.choose(verbose: false, compact: false, terminalRows: 40, total: 37) == .lines)
        #expect(Layout.choose(verbose: false, compact: false, terminalRows: 40, total: 38) == .live)
        #expect(Layout.choose(verbose: false, compact: true, terminalRows: 40, total: 3) == .live)
        #expect(Layout.choose(verbose: true, compact: false, terminalRows: 40, total: 5_000) == .verbose)
        // Off a terminal: one line per run, however many, unless asked for less.
        #expect(Layout.choose(verbose: false, compact: false, terminalRows: nil, total: 5_000) == .lines)
        #expect(Layout.choose(verbose: false, compact: true, terminalRows: nil, total: 1_000) == .log(every: 100))
        #expect(Layout.choose(verbose: false, compact: true, terminalRows: nil, total: 7) == .log(every: 1))
    }

    @Test func aStatusLineIsCutToTheTerminalWithoutBreakingItsColours() {
        let line = Self.colored("12 passed", .green) + " · " + Self.colored("1 failed", .red) + " · 3.2s"
        #expect(Styler.visibleWidth(line) == 27)
        #expect(Styler.truncate(line, toWidth: 40) == line)
        let cut = Styler.truncate(line, toWidth: 12)
        #expect(Styler.visibleWidth(cut) == 12)
        #expect(cut.hasSuffix("…\u{1B}[0m"), "ends with a reset: \(cut.debugDescription)")
        #expect(cut.hasPrefix("\u{1B}[32m12 passed"))
        #expect(Styler.truncate("plain text that is long", toWidth: 10) == "plain tex…")
        #expect(Self.plain("x", .red) == "x")
    }

    // MARK: - Closing digest

    @Test func theDigestGroupsRunsThatDidNotPassByFlowWithCounts() {
        let results = [
            RunFixtures.result(flow: "refund", repetition: 1, outcome: .passed),
            RunFixtures.result(flow: "refund", repetition: 2, outcome: .failed),
            RunFixtures.result(flow: "refund", repetition: 3, outcome: .failed),
            RunFixtures.result(flow: "status", persona: nil, outcome: .error),
            RunFixtures.result(flow: "greeting", persona: nil),
            RunFixtures.result(flow: "refund", persona: "Sam", repetition: 1, outcome: .failed),
        ]
        let records = Self.records(results)
        let digest = RunDigest(records: records, summary: Self.summary(records))
        #expect(digest.groups.map { "\($0.flow)/\($0.persona ?? "-")" } == ["refund/Dana", "refund/Sam", "status/-"])
        #expect(digest.groups[0].failed == 2 && digest.groups[0].runs == 3 && digest.groups[0].repetitions == [2, 3])
        let lines = digest.lines(styler: Self.plain, directory: "out")
        #expect(
            lines == [
                "",
                "Did not pass (2 flows):",
                "  FAIL  refund [Dana]  2 failed of 3 runs (#2, #3)",
                "        flows/refund.yaml:7:5: expected the agent's reply to match /refund/i",
                "  FAIL  refund [Sam]",
                "        flows/refund.yaml:7:5: expected the agent's reply to match /refund/i",
                "  ERROR status",
                "        flows/status.yaml:7:5: [timeout] no complete reply within 30s",
                "  read one: parley show out 'refund [Dana] #2'",
                "",
                "flaky: refund passed 1 of 4 runs",
            ])
    }

    @Test func aLongDigestIsCappedAndAllPassingRunsNeedNone() {
        let results = (0..<45).map { RunFixtures.result(flow: "flow-\($0)", persona: nil, outcome: .failed) }
        let records = Self.records(results)
        let lines = RunDigest(records: records, summary: Self.summary(records)).lines(
            styler: Self.plain, directory: "out")
        #expect(lines.count { $0.hasPrefix("  FAIL ") } == 30)
        #expect(lines.contains("  … and 15 more; `parley show out` lists every flow run that did not pass"))
        let passing = Self.records([RunFixtures.result()])
        #expect(
            RunDigest(records: passing, summary: Self.summary(passing)).lines(styler: Self.plain, directory: "o")
                .isEmpty)
    }

    // MARK: - Picking a flow run

    @Test func aFlowRunIsPickedByNameRepetitionPersonaOrID() throws {
        let records = Self.records([
            RunFixtures.result(flow: "refund", repetition: 1),
            RunFixtures.result(flow: "refund", repetition: 2, outcome: .failed),
            RunFixtures.result(flow: "refund", persona: "Sam", repetition: 1, outcome: .error),
            RunFixtures.result(flow: "status", persona: nil),
        ])
        func picked(_ text: String) -> String? { RunPick(parsing: text).select(from: records)?.record.id }
        #expect(picked("refund") == "refund--dana--2", "the first run that did not pass")
        #expect(picked("refund#1") == "refund--sam--1", "Sam's first run did not pass, Dana's did")
        #expect(picked("refund [Dana] #1") == "refund--dana--1")
        #expect(picked("refund [Sam]") == "refund--sam--1")
        #expect(picked("refund [sam] #1") == "refund--sam--1")
        #expect(picked("refund[Dana]#2") == "refund--dana--2")
        #expect(picked("refund--dana--1") == "refund--dana--1")
        #expect(picked("flows/status.yaml") == "status--default--1")
        #expect(picked("Status") == "status--default--1")
        #expect(picked("refund#9") == nil)
        #expect(
            RunPick(parsing: "refnd").notFound(in: records, directory: "out")
                == "no flow run `refnd` in out; did you mean `refund`?")
        #expect(
            RunPick(parsing: "refund#9").notFound(in: records, directory: "out")
                == "flow `refund` has no run `refund #9` in out; it has `refund [Dana] #1`, `refund [Dana] #2`, "
                + "`refund [Sam] #1`")
        #expect(RunPick(parsing: "refund").select(from: records)?.others.count == 2)
        #expect(RunPick.quoted("refund#2") == "refund#2")
        #expect(RunPick.quoted("refund [Dana] #2") == "'refund [Dana] #2'")
        #expect(RunPick.quoted("it's") == #"'it'\''s'"#)
        #expect(RunPick.quoted("#1") == "'#1'")
    }

    @Test func aMatrixRunIsNamedAndPickedByPersonaScenarioAndRow() throws {
        func run(_ persona: String, _ scenario: String, _ row: String?, _ outcome: Outcome) -> FlowRunResult {
            var result = RunFixtures.result(flow: "matrix", persona: persona, outcome: outcome)
            result.scenario = scenario
            result.dataCase = row.map { CaseReference(name: $0, file: "orders.csv", line: 2) }
            result.id = FlowRunResult.makeID(
                flow: "matrix",
                persona: Persona(name: persona, location: SourceLocation(file: "f", line: 1, column: 1)),
                scenario: Scenario(name: scenario),
                dataCase: row.map { CaseRow(name: $0, file: "orders.csv", line: 2, values: [:]) }, repetition: 1)
            return result
        }
        let results = [
            run("Dana", "late parcel", nil, .passed), run("Dana", "damaged item", nil, .failed),
            run("Sam", "late parcel", "shipped", .error),
        ]
        #expect(results[1].id == "matrix--dana--damaged-item--1")
        #expect(ResultPrinter.name(results[1]) == "matrix [Dana · damaged item]")
        #expect(ResultPrinter.name(results[2]) == "matrix [Sam · late parcel] case shipped")
        let records = Self.records(results)
        func picked(_ text: String) -> String? { RunPick(parsing: text).select(from: records)?.record.id }
        #expect(picked("matrix [Dana · late parcel]") == "matrix--dana--late-parcel--1")
        #expect(picked("matrix [damaged item]") == "matrix--dana--damaged-item--1", "a scenario alone")
        #expect(picked("matrix [Dana]") == "matrix--dana--damaged-item--1", "Dana's run that did not pass")
        #expect(picked("matrix [Sam · late parcel] case shipped #1") == "matrix--sam--late-parcel--shipped--1")
        #expect(picked("matrix case nothing") == nil)
        let digest = RunDigest(records: records, summary: Self.summary(records))
        #expect(
            digest.groups.map {
                FlowRunName.make(flow: $0.flow, who: $0.persona, caseName: $0.caseName)
            } == [
                "matrix [Dana · damaged item]", "matrix [Sam · late parcel] case shipped",
            ])
        // A flow's single scenario is not repeated in its name: the id does not name it.
        var single = RunFixtures.result(flow: "refund")
        single.scenario = "Refund for a damaged item"
        #expect(ResultPrinter.name(single) == "refund [Dana]")
    }

    // MARK: - Transcript

    static func conversation() -> FlowRunResult {
        var result = RunFixtures.result(outcome: .failed, latencies: [120, 1500], tags: ["tier": "gold"])
        // An agent-first opening checked by a first `expect`, a simulated turn, an event.
        var opening = Turn(role: .agent, text: "Hi! How can I help?", at: RunFixtures.start)
        opening.latencyMs = 80
        opening.events = [ProviderEvent(kind: "agent-action", detail: "engage-user")]
        result.turns.insert(opening, at: 0)
        result.turns[2].actions = [
            .tool("order-lookup", arguments: .object([("order_number", .string("ORD-1"))]), result: #"{"ok":true}"#),
            AgentAction(kind: .stateTransition, name: "refund_offer", from: "greeting"),
        ]
        result.turns[1].simulated = true
        result.turns[1].candidates = ["message 1", "other"]
        let location = { (line: Int) in SourceLocation(file: "flows/refund.yaml", line: line, column: 5) }
        result.steps.insert(StepResult(index: 0, kind: .expect, location: location(3), status: .passed), at: 0)
        result.steps[1] = StepResult(index: 1, kind: .recommend, location: location(4), status: .passed)
        result.steps[2].detail = "captured ticket=T-1"
        result.steps.append(StepResult(index: 9, kind: .end, location: location(9), status: .skipped))
        result.notes = ["ending the conversation failed: timeout"]
        return result
    }

    @Test func aTranscriptReadsAsAConversationWithStepsInPlace() {
        let lines = TranscriptRenderer(styler: Self.plain, width: nil).lines(
            Self.conversation(), transcript: "out/transcripts/refund--dana--1.json")
        #expect(
            lines == [
                "refund [Dana]  FAILED",
                "flows/refund.yaml · local (sandbox) · 2025-06-15T15:06:40.000Z · 1.6s · "
                    + "conversation conv-refund-1",
                "labels: regression",
                "",
                "  agent      Hi! How can I help?  80 ms",
                "             ↳ agent-action: engage-user",
                "    ✓ expect  flows/refund.yaml:3:5",
                "  sim. user  message 1",
                "             ↳ chosen from 2 candidates",
                "  agent      reply 1  120 ms, first chunk 60 ms",
                #"             ↳ tool order-lookup {"order_number":"ORD-1"} → {"ok":true}"#,
                "             ↳ state greeting → refund_offer",
                "    ✓ recommend  flows/refund.yaml:4:5",
                "    ✓ expect — captured ticket=T-1  flows/refund.yaml:5:5",
                "  user       message 2",
                "  agent      Your refund has been issued.  1.50 s, first chunk 750 ms",
                "    ✓ send (1.50 s)  flows/refund.yaml:6:5",
                "    ✗ expect FAILED  flows/refund.yaml:7:5",
                "        expected the agent's reply to match /refund/i",
                "        expected: /refund/i",
                "    – end (skipped)  flows/refund.yaml:9:5",
                "",
                "tags:        tier=gold",
                "note:        ending the conversation failed: timeout",
                "transcript:  out/transcripts/refund--dana--1.json",
            ], "\(lines.joined(separator: "\n"))")
    }

    @Test func theFailingStepIsHighlightedAndTextWrapsToTheTerminal() {
        var result = Self.conversation()
        result.turns[0].text = String(repeating: "word ", count: 30).trimmingSpaces
        let lines = TranscriptRenderer(styler: Self.colored, width: 60).lines(result)
        #expect(lines.contains { $0.contains("\u{1B}[31;1m✗ expect FAILED\u{1B}[0m") })
        #expect(lines.contains("        \u{1B}[31mexpected the agent's reply to match /refund/i\u{1B}[0m"))
        let opening = lines.drop { !$0.contains("agent ") }.prefix(4)
        #expect(opening.allSatisfy { Styler.visibleWidth($0) <= 60 }, "\(opening)")
        #expect(opening.dropFirst().first?.hasPrefix(TranscriptRenderer.textIndent + "word") == true)
        // An error names its kind; its message sits under the step that stopped.
        let error = TranscriptRenderer(styler: Self.plain, width: nil).lines(RunFixtures.result(outcome: .error))
        #expect(error.contains("    ! expect ERROR  flows/refund.yaml:7:5"))
        #expect(error.contains("        [timeout] no complete reply within 30s"))
    }

    @Test func judgesVerdictsSitUnderTheirStepAndTheRepliesTheyGraded() throws {
        var result = RunFixtures.result(latencies: [100])
        let location = SourceLocation(file: "flows/refund.yaml", line: 6, column: 5)
        result.steps.append(StepResult(index: 2, kind: .judge, location: location, status: .passed))
        result.judgments = [
            Judgment(
                step: 2, location: location, judge: "default", model: "parley-judge", turnsSeen: 2,
                criteria: [
                    CriterionVerdict(
                        criterion: "The agent is polite.", verdict: .pass, reasoning: "It thanked the user.",
                        passed: true)
                ],
                replies: [
                    ReplyVerdicts(
                        turn: 1,
                        verdicts: [
                            CriterionVerdict(criterion: "Short", verdict: .inconclusive, reasoning: "", passed: false)
                        ]
                    )
                ], minScore: nil, cached: false)
        ]
        let lines = TranscriptRenderer(styler: Self.plain, width: nil).lines(result)
        let agent = try #require(lines.firstIndex { $0.hasPrefix("  agent ") })
        #expect(lines[agent + 1] == "             judge: inconclusive (counts as fail) — Short")
        let judge = try #require(lines.firstIndex { $0.hasPrefix("    ✓ judge") })
        #expect(lines[judge + 1] == "        judge: pass — The agent is polite. — It thanked the user.")
    }

    // MARK: - Listing

    @Test func theListingShowsRunsThatDidNotPassWithTheirPick() {
        let records = Self.records([
            RunFixtures.result(flow: "refund", repetition: 1),
            RunFixtures.result(flow: "refund", repetition: 2, outcome: .failed),
            RunFixtures.result(flow: "status", persona: nil, outcome: .error),
        ])
        let lines = RunListing(styler: Self.plain).lines(
            records: records, summary: Self.summary(records), directory: ".parley/runs/latest")
        #expect(
            lines == [
                ".parley/runs/latest — 3 flow runs: 1 passed, 1 failed, 1 error",
                "",
                "  FAIL   refund [Dana] #2  flows/refund.yaml:7:5",
                "         expected the agent's reply to match /refund/i",
                "  ERROR  status            flows/status.yaml:7:5",
                "         [timeout] no complete reply within 30s",
                "",
                "read one: parley show .parley/runs/latest 'refund [Dana] #2'",
            ], "\(lines.joined(separator: "\n"))")
        let all = RunListing(styler: Self.plain, all: true).lines(
            records: records, summary: Self.summary(records), directory: "d")
        #expect(all.contains("  PASS   refund [Dana] #1  320 ms"))
        let passing = Self.records([RunFixtures.result()])
        #expect(
            RunListing(styler: Self.plain).lines(records: passing, summary: Self.summary(passing), directory: "d").last
                == "every flow run passed; `parley show d FLOW` reads one, `--all` lists them")
    }
}
