import Foundation
import ParleyTestSupport
import Testing
@testable import ParleyHistory
@testable import ParleyReports
@testable import ParleyResults
@testable import ParleyRun
@testable import ParleyStatistics

/// The HTML pages in a real browser: they load under their own Content-Security-Policy without a
/// single console message (no blocked load, no script error), and their scripts did their work.
@Suite struct BrowserTests {
    @Test func theRunReportLoadsCleanlyAndItsScriptRuns() async throws {
        // Twenty flows: more than the report shows before "Show all", which its script folds away.
        var results: [FlowRunResult] = []
        for index in 0..<20 {
            results.append(RunFixtures.result(flow: "flow-\(index)", outcome: index % 3 == 0 ? .failed : .passed))
        }
        let records = results.map { ResultRecord($0, transcript: "transcripts/\($0.id).json") }
        let summary = RunSummary(
            runId: "run-1", startedAt: RunFixtures.start, finishedAt: RunFixtures.start.addingTimeInterval(12),
            records: records, options: RunSummary.Options(k: 1))
        let byID = Dictionary(uniqueKeysWithValues: results.map { ($0.id, $0) })
        let html = HTMLReport.render(summary: summary, records: records) { record in
            guard let result = byID[record.id] else { throw RunDirectoryError(path: "", message: "missing") }
            return result
        }
        let page = try await HeadlessBrowser.load(html: html)
        #expect(page.console.isEmpty, "\(page.console)")
        #expect(page.dom.contains("class=\"flows folded\""), "the script did not fold the flow table")
        #expect(page.dom.contains("<svg"))
    }

    @Test func theHistoryPageDrawsItsTrendCharts() async throws {
        let runs = (0..<6).map { index in
            HistoryReport.RunPoint(
                id: "run-\(index)", startedAt: RunFixtures.start.addingTimeInterval(Double(index) * 86_400),
                targets: "local", gitCommit: "c0ffee\(index)", total: 10, passed: 10 - index, failed: index,
                errors: 0, passRate: Double(10 - index) / 10,
                passRateInterval: WilsonInterval(successes: 10 - index, trials: 10),
                latencyMs: Percentiles([100 + Double(index) * 20, 300]))
        }
        var report = HistoryReport(
            query: HistoryQuery(), location: ".parley/history.sqlite", runs: [], flowRuns: [])
        report.runs = runs
        report.flips = [
            HistoryReport.FlowFlips(flow: "<b>refund</b>", flips: 3, runs: 6, passedRuns: 3, outcomes: "PFPFFP")
        ]
        let page = try await HeadlessBrowser.load(html: HistoryPage.render(report))
        #expect(page.console.isEmpty, "\(page.console)")
        #expect(page.dom.components(separatedBy: "class=\"dot s-rate run-point\"").count - 1 == 6)
        #expect(page.dom.contains("id=\"latency-chart\""))
        #expect(page.dom.contains("class=\"interval\""))
        #expect(page.dom.contains("&lt;b&gt;refund&lt;/b&gt;"))
        #expect(!page.dom.contains("<b>refund"))
    }
}
