import Foundation
import Testing
@testable import ParleyFlow
@testable import ParleyReports
@testable import ParleyResults
@testable import ParleyRun
import ParleyTestSupport

@Suite struct HTMLReportTests {
    static let hostile =
        "</script><script>alert('pwned')</script><img src=\"https://evil.example/x.png\" onerror=\"alert(1)\"> & <!--"

    /// Renders `results` the way `parley report` does, from the results in memory.
    func render(_ results: [FlowRunResult], notRun: Int = 0) -> String {
        let records = results.map { ResultRecord($0, transcript: "transcripts/\($0.id).json") }
        let summary = RunSummary(
            runId: "run-1", startedAt: RunFixtures.start, finishedAt: RunFixtures.start.addingTimeInterval(12),
            records: records, planned: records.count + notRun)
        let byID = Dictionary(uniqueKeysWithValues: results.map { ($0.id, $0) })
        return HTMLReport.render(summary: summary, records: records) { record in
            guard let result = byID[record.id] else {
                throw RunDirectoryError(path: record.transcript, message: "missing")
            }
            return result
        }
    }

    /// The bodies of `<script type="application/json">` elements, in page order.
    func embeddedTranscripts(_ html: String) -> [String] {
        html.components(separatedBy: "<script type=\"application/json\" id=\"t-").dropFirst().compactMap { chunk in
            guard let open = chunk.firstIndex(of: ">"), let close = chunk.range(of: "</script>") else { return nil }
            return String(chunk[chunk.index(after: open)..<close.lowerBound])
        }
    }

    @Test func theReportIsSelfContained() throws {
        let html = render([
            RunFixtures.result(outcome: .failed, reply: Self.hostile),
            RunFixtures.result(flow: "greeting", persona: nil),
        ])
        let resourceURL = try Regex(#"(?i)(src|href|action|srcset|poster|data)\s*=\s*["']?\s*(https?:)?//"#)
        #expect(html.firstMatch(of: resourceURL) == nil, "a resource would be fetched from the network")
        #expect(!html.contains("<link"))
        #expect(!html.contains("@import"))
        #expect(!html.lowercased().contains("url(http"))
        #expect(html.contains("<style>"))
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'"))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
    }

    @Test func hostileAgentTextIsEscapedEverywhere() throws {
        var result = RunFixtures.result(outcome: .failed, reply: Self.hostile)
        result.turns[0].text = Self.hostile
        result.turns[0].simulated = true
        result.turns[0].candidates = [Self.hostile, "<b>bold</b>"]
        let html = render([result])
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>bold"))
        // Two scripts: one transcript's JSON and the page's own code.
        #expect(html.components(separatedBy: "<script").count - 1 == 2)
        // In markup: the failure's "agent said".
        #expect(
            html.contains(
                "&lt;/script&gt;&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;&lt;img "
                    + "src=&quot;https://evil.example/x.png&quot;"
            ))
        // In the embedded transcript: escaped for the script element, and the same text once parsed.
        let json = try #require(embeddedTranscripts(html).first)
        #expect(!json.contains("<") && !json.contains(">") && !json.contains("&"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items.first?["text"] as? String == Self.hostile)
        #expect((items.first?["candidates"] as? [String])?.first == Self.hostile)
    }

    @Test func attributeAndControlCharactersAreEscaped() {
        #expect(Markup.escape("a\"b'c<d>e&f") == "a&quot;b&#39;c&lt;d&gt;e&amp;f")
        #expect(Markup.escape("bell\u{7}end\u{FFFE}") == "bell\u{FFFD}end\u{FFFD}")
        #expect(Markup.escape("line\r\nnext\ttab") == "line\r\nnext\ttab")
    }

    @Test func failuresComeFirstThenErrorsThenPasses() {
        let html = render([
            RunFixtures.result(flow: "alpha", outcome: .passed),
            RunFixtures.result(flow: "bravo", outcome: .error),
            RunFixtures.result(flow: "charlie", outcome: .failed),
            RunFixtures.result(flow: "delta", outcome: .passed),
            RunFixtures.result(flow: "echo", outcome: .failed),
        ])
        let rows = html.matches(
            of: /<details class="run r-\w+" id="run-\d+" data-i="\d+" data-outcome="(\w+)" data-flow="([\w-]+)"/
        )
        .map { "\($0.output.1):\($0.output.2)" }
        #expect(rows == ["failed:charlie", "failed:echo", "error:bravo", "passed:alpha", "passed:delta"])
    }

    @Test func countsMatchTheRun() {
        let html = render(
            [
                RunFixtures.result(flow: "a", outcome: .passed), RunFixtures.result(flow: "b", outcome: .passed),
                RunFixtures.result(flow: "c", outcome: .passed), RunFixtures.result(flow: "d", outcome: .failed),
                RunFixtures.result(flow: "e", outcome: .error),
            ], notRun: 2)
        func card(_ kind: String, _ label: String) -> String {
            "data-count=\"\(kind)\"><div class=\"label\">\(label)</div><div class=\"value\">"
        }
        #expect(html.contains(card("total", "Flow runs") + "5<"))
        #expect(html.contains(card("passed", "Passed") + "3<"))
        #expect(html.contains(card("failed", "Failed") + "1<"))
        #expect(html.contains(card("error", "Errors") + "1<"))
        #expect(html.contains(card("notrun", "Not run") + "2<"))
        #expect(html.contains(card("rate", "Pass rate") + "60%<"))
        #expect(html.contains(card("duration", "Duration") + "12.0 s<"))
        #expect(
            html.contains("data-outcome=\"failed\" class=\"o-failed\" aria-pressed=\"false\">Failed <span>1</span>"))
        #expect(html.contains("<b>local (sandbox)</b>"), "the target is named")
    }

    @Test func theFailureShowsLocationExpectationAndReply() {
        let html = render([
            RunFixtures.result(outcome: .failed, latencies: [100, 200, 300], reply: "We can replace it instead.")
        ])
        #expect(html.contains("<code>flows/refund.yaml:9:5</code>"))
        #expect(html.contains("<span class=\"k\">expected</span><span class=\"v\">/refund/i</span>"))
        #expect(
            html.contains("<span class=\"k\">agent said</span><span class=\"v said\">We can replace it instead.</span>")
        )
    }

    @Test func latencyPercentilesPerTurnArePresent() throws {
        // Ten runs: reply 1 takes 100…1000 ms, reply 2 takes 2000 ms + the same.
        let results = (1...10).map { n in
            RunFixtures.result(flow: "f\(n)", latencies: [Double(n) * 100, 2000 + Double(n) * 100])
        }
        let html = render(results)
        #expect(html.contains("<svg class=\"chart\""))
        for series in ["s-p50", "s-p90", "s-p99"] {
            #expect(html.contains("<polyline class=\"line \(series)\""))
        }
        // Nearest-rank percentiles of 100…1000: p50 500, p90 900, p99 1000.
        #expect(
            html.contains(
                "<td>1</td><td class=\"num\">10</td><td class=\"num\" data-p50=\"500.0\">500 ms</td>"
                    + "<td class=\"num\" data-p90=\"900.0\">900 ms</td><td class=\"num\" data-p99=\"1000.0\">1.00 "
                    + "s</td>"
            ))
        #expect(html.contains("<td>2</td><td class=\"num\">10</td><td class=\"num\" data-p50=\"2500.0\">2.50 s</td>"))
        #expect(html.contains("reply 2: p50 2.50 s · p90 2.90 s · p99 3.00 s (10 replies)"))
    }

    @Test func longConversationsPoolTheirLastRepliesInOnePosition() {
        let record = ResultRecord(RunFixtures.result(latencies: (1...40).map(Double.init)), transcript: "")
        let profile = TurnLatencyProfile(records: [record], maxPositions: 10)
        #expect(profile.positions.count == 10)
        #expect(profile.positions.last?.label == "10+")
        #expect(profile.positions.last?.count == 31)
        #expect(profile.positions.first?.label == "1")
    }

    @Test func repeatedFlowsShowTheirPassRateAndAFlakyBadge() {
        let html = render([
            RunFixtures.result(repetition: 1, outcome: .passed),
            RunFixtures.result(repetition: 2, outcome: .failed),
            RunFixtures.result(repetition: 3, outcome: .passed),
            RunFixtures.result(flow: "steady", repetition: 1), RunFixtures.result(flow: "steady", repetition: 2),
        ])
        #expect(html.contains("<span class=\"pct\">66.7%</span><span class=\"of\">2/3</span>"))
        #expect(html.contains("<span class=\"pct\">100%</span><span class=\"of\">2/2</span>"))
        #expect(
            html.contains(
                "data-flow=\"refund\" title=\"Show this flow's runs\">refund</button> <span class=\"badge flaky\""))
        #expect(
            !html.contains(
                "data-flow=\"steady\" title=\"Show this flow's runs\">steady</button> <span class=\"badge flaky\""))
        #expect(
            html.contains("<span class=\"rep\" title=\"repetition\">#2</span><span class=\"badge flaky\">flaky</span>"))
    }

    @Test func labelsAndConversationTagsBecomeFilters() {
        let html = render([RunFixtures.result(labels: ["smoke", "refunds"], tags: ["outcome": "refunded"])])
        #expect(
            html.contains(
                "<option value=\"refunds\">refunds</option><option value=\"smoke\">smoke</option>"
                    + "<option value=\"outcome=refunded\">outcome=refunded</option>"))
        #expect(html.contains("data-keys=\"\tsmoke\trefunds\toutcome=refunded\t\""))
    }

    @Test func transcriptsAreReadOneAtATimeAndAMissingOneIsExplained() {
        let results = [RunFixtures.result(flow: "a"), RunFixtures.result(flow: "b", outcome: .failed)]
        let records = results.map { ResultRecord($0, transcript: "transcripts/\($0.id).json") }
        let summary = RunSummary(
            runId: "r", startedAt: RunFixtures.start, finishedAt: RunFixtures.start, records: records)
        var asked: [String] = []
        let html = HTMLReport.render(summary: summary, records: records) { record in
            asked.append(record.id)
            if record.flow == "a" {
                throw RunDirectoryError(path: record.transcript, message: "the transcript of a is missing")
            }
            return results[1]
        }
        #expect(asked == ["b--dana--1", "a--dana--1"], "once each, in report order")
        #expect(embeddedTranscripts(html).count == 2)
        #expect(html.contains("\"unavailable\":\"transcripts/a--dana--1.json: the transcript of a is missing\""))
    }

    @Test func aLargeRunStaysCompact() async {
        let results = (0..<5_000).map { n in
            RunFixtures.result(
                flow: "flow-\(n % 250)", persona: "Persona \(n / 250 % 4)", repetition: n / 1000 + 1,
                outcome: n % 97 == 0 ? .failed : .passed, latencies: [110, 240, 90])
        }
        // Seconds of work in a debug build: done on a Dispatch thread, so the few threads of Swift
        // concurrency stay free for the timing-sensitive tests running beside this one.
        let html = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: render(results)) }
        }
        // Three exchanges a run: about 2 kB of markup and JSON each.
        #expect(html.utf8.count < 5_000 * 3_000, "\(html.utf8.count) bytes")
        #expect(html.components(separatedBy: "<script type=\"application/json\" id=\"t-").count - 1 == 5_000)
        // Row outcomes in page order, found without a regular expression (megabytes of text).
        let rows = html.components(separatedBy: "<details class=\"run r-").dropFirst().compactMap {
            $0.split(separator: "\"", maxSplits: 1).first
        }
        #expect(rows.count == 5_000)
        let firstPass = rows.firstIndex(of: "passed") ?? rows.count
        #expect(rows[..<firstPass].count == results.count { $0.outcome == .failed })
    }

    @Test func aRunWithNothingFinishedStillRenders() {
        let html = render([], notRun: 3)
        #expect(html.contains("<div class=\"verdict v-empty\">nothing ran</div>"))
        #expect(html.contains("No agent replies were recorded."))
        #expect(html.contains("data-count=\"notrun\"><div class=\"label\">Not run</div><div class=\"value\">3<"))
        #expect(embeddedTranscripts(html).isEmpty)
    }

    @Test func theReportOfARunDirectoryReadsItsTranscripts() throws {
        let path = try RunFixtures.runDirectory([
            RunFixtures.result(outcome: .failed, reply: "nope"), RunFixtures.result(flow: "b"),
        ])
        let html = try HTMLReport.render(directory: RunDirectory(path: path), title: "Nightly")
        #expect(html.contains("<h1>Nightly <span class=\"run-id\">"))
        #expect(embeddedTranscripts(html).allSatisfy { $0.contains("\"conversation\":\"conv-") })
        #expect(throws: RunDirectoryError.self) {
            try HTMLReport.render(directory: RunDirectory(path: path + "-missing"))
        }
    }
}

@Suite struct HTMLReportActionTests {
    @Test func actionsShowUnderTheirReplyAndVerdictsOnJudgeStepsAndReplies() throws {
        var result = RunFixtures.result(latencies: [100, 200])
        result.turns[1].actions = [
            AgentAction(kind: .stateTransition, name: "refund_offer", from: "greeting"),
            .tool("order-lookup", arguments: ["order_number": "ORD-1"], result: #"{"status":"<b>shipped</b>"}"#),
        ]
        let here = SourceLocation(file: "flows/refund.yaml", line: 9, column: 1)
        result.steps.append(StepResult(index: result.steps.count, kind: .judge, location: here, status: .failed))
        result.judgments = [
            Judgment(
                step: nil, location: here, judge: "sandbox", model: "parley-judge", turnsSeen: 4,
                criteria: [
                    CriterionVerdict(
                        criterion: "calls `order-lookup`", verdict: .pass, reasoning: "seen", passed: true),
                    CriterionVerdict(
                        criterion: "warm", verdict: .inconclusive, reasoning: "cannot tell", passed: false),
                ],
                replies: [
                    ReplyVerdicts(
                        turn: 3,
                        verdicts: [
                            CriterionVerdict(criterion: "short", verdict: .fail, reasoning: "long", passed: false)
                        ])
                ], minScore: 1, cached: false)
        ]
        let payload = HTMLReport.TimelinePayload(result)
        let turns = payload.items.filter { $0.role != nil }
        #expect(
            turns[1].actions == [
                ["state-transition", "state greeting → refund_offer"],
                ["tool-call", #"tool order-lookup {"order_number":"ORD-1"} → {"status":"<b>shipped</b>"}"#],
            ])
        #expect(turns[3].verdicts == [["fail", "short", "long"]])
        #expect(turns[0].verdicts == nil)
        let judge = try #require(payload.items.last { $0.step == "judge" })
        #expect(judge.verdicts?.map { $0[0] } == ["pass", "inconclusive (counts as fail)"])

        let html = HTMLReportTests().render([result])
        #expect(!html.contains("<b>shipped</b>"), "tool results are escaped like agent text")
        #expect(html.contains("order-lookup"))
    }
}

@Suite struct HTMLReportSourceTests {
    /// The page's script and style sheet are raw string literals: a line split with a plain `\` there
    /// is not joined but left in the page, where it breaks the script (and style rules).
    @Test func noLineOfTheScriptOrStyleSheetEndsInABackslash() {
        #expect(!HTMLReport.script.contains("\\\n"))
        #expect(!HTMLReport.stylesheet.contains("\\\n"))
    }
}
