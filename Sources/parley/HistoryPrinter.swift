import Foundation
import ParleyHistory
import ParleyStatistics

/// Prints a history report: runs over time, flips, failing flows, latency.
struct HistoryPrinter {
    let console: Console

    func print(_ report: HistoryReport) {
        var scope = report.query.flow.map { "flow \($0)" } ?? "all flows"
        if let target = report.query.target { scope += ", target \(target)" }
        console.out(
            console.style("History", .bold) + " · \(scope) · \(report.runs.count) run"
                + "\(report.runs.count == 1 ? "" : "s") (\(report.location))")
        guard !report.runs.isEmpty else {
            console.out("No runs recorded yet" + (report.query.flow == nil ? "." : " for this flow."))
            return
        }
        console.out("")
        console.out(console.style("Pass rate per run", .bold))
        var rows: [[String]] = [["started (UTC)", "run", "commit", "passed", "rate", "95% interval", "p50", "p90"]]
        for run in report.runs {
            rows.append([
                Self.time(run.startedAt), run.id, run.gitCommit.map { String($0.prefix(8)) } ?? "–",
                "\(run.passed)/\(run.total)", StatisticsText.percent(run.passRate),
                run.passRateInterval.map(StatisticsText.interval) ?? "–",
                run.latencyMs.map { Self.milliseconds($0.p50) } ?? "–",
                run.latencyMs.map { Self.milliseconds($0.p90) } ?? "–",
            ])
        }
        table(rows)

        console.out("")
        console.out(console.style("Flips between passing and failing", .bold) + " (P passed, F failed, E error)")
        if report.flips.isEmpty {
            console.out("  none: every flow kept its result from run to run")
        } else {
            var flipRows = [["flow", "flips", "passed", "runs, oldest first"]]
            for flow in report.flips.prefix(15) {
                flipRows.append([
                    flow.flowRun ?? flow.flow, "\(flow.flips)", "\(flow.passedRuns)/\(flow.runs)", flow.outcomes,
                ])
            }
            table(flipRows)
        }

        console.out("")
        console.out(console.style("Failing in the latest run", .bold))
        if report.failing.isEmpty {
            console.out("  none")
        }
        for flow in report.failing {
            var line =
                "  " + console.style(flow.flow, .red, .bold) + " failing since \(reference(flow.since)), "
                + "\(flow.failingRuns) run\(flow.failingRuns == 1 ? "" : "s") in a row"
            if let passed = flow.lastPassed { line += "; last passed in \(reference(passed))" }
            console.out(line)
            if let location = flow.location, let message = flow.message {
                console.out("    " + (flow.flowRun.map { "\($0): " } ?? "") + "\(location): \(message)")
            }
        }

        if let latency = report.latency, report.runs.count > 1 {
            console.out("")
            console.out(console.style("Reply latency", .bold) + " (p50 / p90, first run → latest)")
            func change(_ a: Double, _ b: Double) -> String {
                guard a > 0 else { return "" }
                let relative = (b - a) / a
                return " (\(relative >= 0 ? "+" : "−")\(StatisticsText.percent(abs(relative))))"
            }
            let a = latency.firstMs
            let b = latency.latestMs
            var verdicts: [String] = []
            if let p50 = latency.p50 { verdicts.append("p50 \(p50.rawValue)") }
            if let p90 = latency.p90 { verdicts.append("p90 \(p90.rawValue)") }
            console.out(
                "  p50 \(Self.milliseconds(a.p50)) → \(Self.milliseconds(b.p50))\(change(a.p50, b.p50)) · "
                    + "p90 \(Self.milliseconds(a.p90)) → \(Self.milliseconds(b.p90))\(change(a.p90, b.p90))"
                    + (verdicts.isEmpty ? " · within the latency rule" : " · " + verdicts.joined(separator: ", ")))
        }
        let costs = report.runs.compactMap(\.cost)
        let tokens = report.runs.compactMap { run in run.inputTokens.map { $0 + (run.outputTokens ?? 0) } }
        if !tokens.isEmpty {
            var line = "\ntokens:     \(StatisticsText.tokens(tokens.reduce(0, +))) over these runs"
            if !costs.isEmpty { line += " · cost \(StatisticsText.cost(costs.reduce(0, +)))" }
            console.out(line)
        }
    }

    private func reference(_ run: HistoryReport.RunReference) -> String {
        "\(run.id) (\(Self.time(run.startedAt))" + (run.gitCommit.map { ", \($0.prefix(8))" } ?? "") + ")"
    }

    private func table(_ rows: [[String]]) {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            let line =
                "  "
                + row.enumerated().map { column, cell in
                    cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                }.joined(separator: "  ").trimmingSpaces
            console.out(index == 0 ? console.style(line, .dim) : line)
        }
    }

    static func time(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    static func milliseconds(_ ms: Double) -> String {
        ms < 1000 ? "\(Int(ms.rounded())) ms" : String(format: "%.2f s", ms / 1000)
    }
}
