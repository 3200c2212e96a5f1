import Foundation
import ParleyFlow
import ParleyHistory
import ParleyStatistics

/// The run history as one self-contained HTML page: pass rate per run with its 95% interval and
/// reply latency per run as SVG charts drawn here, the flows that flipped most, the flows failing
/// now and the run their failure began in, and every run in a table.
///
/// Like the run report it fetches nothing (inline styles, SVG, a Content-Security-Policy that forbids
/// every load) and escapes every text that came from a run; it needs no script at all.
public enum HistoryPage {
    public static func render(_ report: HistoryReport, title: String? = nil) -> String {
        var scope = report.query.flow.map { "flow \($0)" } ?? "all flows"
        if let target = report.query.target { scope += " · target \(target)" }
        let heading = title ?? "Parley history"
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
            img-src data:">
            <meta name="generator" content="Parley \(Markup.escape(ParleyVersion.current))">
            <title>\(Markup.escape(heading))</title>
            <style>
            \(HTMLReport.stylesheet)
            .s-rate { stroke: var(--pass); } .dot.s-rate { fill: var(--pass); }
            .k-rate::before { background: var(--pass); }
            .interval { fill: var(--pass); opacity: .15; }
            .chart .run-point { pointer-events: auto; }
            .history td.commit { font-family: ui-monospace, monospace; }
            .outcomes { font-family: ui-monospace, monospace; letter-spacing: .1em; }
            </style>
            </head>
            <body>
            <main>
            <header class="top"><div><h1>\(Markup.escape(heading))</h1>
            <p class="sub">\(Markup.escape(scope)) · \(report.runs.count) run\(report.runs.count == 1 ? "" : "s") · \
            \(Markup.escape(report.location))</p></div></header>

            """
        guard !report.runs.isEmpty else {
            return page + "<p class=\"empty\">No runs recorded yet.</p>\n</main>\n</body>\n</html>\n"
        }
        page += passRateSection(report.runs)
        page += latencySection(report.runs)
        page += flipsSection(report)
        page += failingSection(report)
        page += runsTable(report.runs)
        page += "</main>\n</body>\n</html>\n"
        return page
    }

    // MARK: - Charts

    /// Geometry shared by the charts: one slot per run, oldest on the left.
    private struct Frame {
        let width = 960.0, height = 260.0
        let left = 64.0, right = 20.0, top = 16.0, bottom = 44.0
        let count: Int
        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
        func x(_ index: Int) -> Double { left + plotWidth * (Double(index) + 0.5) / Double(max(count, 1)) }
        func y(_ fraction: Double) -> Double { top + plotHeight * (1 - min(max(fraction, 0), 1)) }
    }

    private static func n(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func axes(_ frame: Frame, ticks: [(Double, String)], runs: [HistoryReport.RunPoint]) -> String {
        var svg = ""
        for (fraction, label) in ticks {
            svg +=
                "<line class=\"grid\" x1=\"\(n(frame.left))\" x2=\"\(n(frame.width - frame.right))\" "
                + "y1=\"\(n(frame.y(fraction)))\" y2=\"\(n(frame.y(fraction)))\"/>"
                + "<text class=\"ylab\" x=\"\(n(frame.left - 8))\" y=\"\(n(frame.y(fraction) + 4))\">"
                + "\(Markup.escape(label))</text>"
        }
        let every = max(1, Int((Double(runs.count) / 8).rounded(.up)))
        for (index, run) in runs.enumerated() where index % every == 0 || index == runs.count - 1 {
            svg +=
                "<text class=\"xlab\" x=\"\(n(frame.x(index)))\" y=\"\(n(frame.top + frame.plotHeight + 18))\">"
                + "\(Markup.escape(day(run.startedAt)))</text>"
        }
        return svg
    }

    /// Pass rate per run, its 95% interval as a band.
    static func passRateSection(_ runs: [HistoryReport.RunPoint]) -> String {
        let frame = Frame(count: runs.count)
        var svg =
            "<svg class=\"chart\" id=\"pass-rate-chart\" viewBox=\"0 0 \(Int(frame.width)) \(Int(frame.height))\" "
            + "role=\"img\" aria-labelledby=\"rate-title\"><title id=\"rate-title\">Pass rate per run with its 95% "
            + "interval</title>"
        svg += axes(frame, ticks: stride(from: 0.0, through: 1.0, by: 0.25).map { ($0, percent($0)) }, runs: runs)
        let upper = runs.enumerated().map {
            "\(n(frame.x($0.offset))),\(n(frame.y($0.element.passRateInterval?.upper ?? $0.element.passRate)))"
        }
        let lower = runs.enumerated().reversed().map {
            "\(n(frame.x($0.offset))),\(n(frame.y($0.element.passRateInterval?.lower ?? $0.element.passRate)))"
        }
        if runs.count > 1 {
            svg += "<polygon class=\"interval\" points=\"\((upper + lower).joined(separator: " "))\"/>"
            let line = runs.enumerated().map { "\(n(frame.x($0.offset))),\(n(frame.y($0.element.passRate)))" }
            svg += "<polyline class=\"line s-rate\" points=\"\(line.joined(separator: " "))\"/>"
        }
        for (index, run) in runs.enumerated() {
            var tip = "\(run.id): \(run.passed)/\(run.total) passed, \(percent(run.passRate))"
            if let interval = run.passRateInterval {
                tip += " (95% \(percent(interval.lower))–\(percent(interval.upper)))"
            }
            svg +=
                "<circle class=\"dot s-rate run-point\" cx=\"\(n(frame.x(index)))\" cy=\"\(n(frame.y(run.passRate)))\" "
                + "r=\"4\"><title>\(Markup.escape(tip))</title></circle>"
        }
        svg += "</svg>"
        return "<section class=\"panel\" id=\"pass-rate\">\n<div class=\"panel-head\"><h2>Pass rate per run</h2>"
            + "<div class=\"legend\"><span class=\"k-rate\">pass rate</span><span>shaded: 95% interval</span></div>"
            + "</div>\n"
            + "<div class=\"chart-wrap\">" + svg + "</div>\n</section>\n"
    }

    /// p50 and p90 reply latency per run.
    static func latencySection(_ runs: [HistoryReport.RunPoint]) -> String {
        let timed = runs.filter { $0.latencyMs != nil }
        guard !timed.isEmpty else { return "" }
        let frame = Frame(count: runs.count)
        let peak = timed.compactMap { $0.latencyMs?.p90 }.max() ?? 1
        let (ceiling, step) = HTMLReport.niceScale(peak)
        var svg =
            "<svg class=\"chart\" id=\"latency-chart\" viewBox=\"0 0 \(Int(frame.width)) \(Int(frame.height))\" "
            + "role=\"img\" aria-labelledby=\"latency-title\"><title id=\"latency-title\">Reply latency p50 and p90 "
            + "per run</title>"
        svg += axes(
            frame,
            ticks: stride(from: 0.0, through: ceiling + step / 2, by: step).map { ($0 / ceiling, milliseconds($0)) },
            runs: runs)
        for (name, path) in [("p90", \Percentiles.p90), ("p50", \Percentiles.p50)] {
            let points = runs.enumerated().compactMap { index, run in
                run.latencyMs.map {
                    (x: frame.x(index), y: frame.y($0[keyPath: path] / ceiling), ms: $0[keyPath: path], id: run.id)
                }
            }
            if points.count > 1 {
                svg +=
                    "<polyline class=\"line s-\(name)\" points=\""
                    + points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ") + "\"/>"
            }
            for point in points {
                svg +=
                    "<circle class=\"dot s-\(name)\" cx=\"\(n(point.x))\" cy=\"\(n(point.y))\" r=\"3\"><title>"
                    + "\(Markup.escape("\(point.id): \(name) \(milliseconds(point.ms))"))</title></circle>"
            }
        }
        svg += "</svg>"
        return "<section class=\"panel\" id=\"latency\">\n<div class=\"panel-head\"><h2>Reply latency per run</h2>"
            + "<div class=\"legend\"><span class=\"k-p50\">p50</span><span class=\"k-p90\">p90</span></div></div>\n"
            + "<div class=\"chart-wrap\">" + svg + "</div>\n</section>\n"
    }

    // MARK: - Tables

    static func flipsSection(_ report: HistoryReport) -> String {
        var out = "<section class=\"panel\" id=\"flips\">\n<div class=\"panel-head\"><h2>Flaky across runs <span "
        out += "class=\"count\">\(report.flips.count)</span></h2></div>\n"
        guard !report.flips.isEmpty else {
            return out + "<p class=\"empty\">No flow flipped between passing and failing.</p>\n</section>\n"
        }
        out += "<p class=\"hint\">Flows whose result changed from one run to the next, most changes first "
        out += "(P passed, F failed, E error, · did not run; oldest first).</p>\n"
        out += "<div class=\"table-wrap\"><table class=\"flows\"><thead><tr><th>Flow</th><th class=\"num\">Flips</th>"
        out += "<th class=\"num\">Passed</th><th>Runs</th></tr></thead><tbody>\n"
        for flow in report.flips {
            out += "<tr><td>\(Markup.escape(flow.flowRun ?? flow.flow))</td><td class=\"num\">\(flow.flips)</td>"
            out += "<td class=\"num\">\(flow.passedRuns)/\(flow.runs)</td>"
            out += "<td class=\"outcomes\">\(Markup.escape(flow.outcomes))</td></tr>\n"
        }
        return out + "</tbody></table></div>\n</section>\n"
    }

    static func failingSection(_ report: HistoryReport) -> String {
        var out = "<section class=\"panel\" id=\"failing\">\n<div class=\"panel-head\"><h2>Failing in the latest run "
        out += "<span class=\"count\">\(report.failing.count)</span></h2></div>\n"
        guard !report.failing.isEmpty else { return out + "<p class=\"empty\">No flow is failing.</p>\n</section>\n" }
        out += "<div class=\"table-wrap\"><table class=\"flows\"><thead><tr><th>Flow</th><th>Failing since</th>"
        out += "<th class=\"num\">Runs</th><th>Last passed</th><th>Latest failure</th></tr></thead><tbody>\n"
        for flow in report.failing {
            out += "<tr class=\"f-failed\"><td>\(Markup.escape(flow.flow))</td>"
            out += "<td>\(Markup.escape(reference(flow.since)))</td><td class=\"num\">\(flow.failingRuns)</td>"
            out += "<td>\(Markup.escape(flow.lastPassed.map(reference) ?? "–"))</td>"
            let failure = [flow.flowRun, flow.location, flow.message].compactMap { $0 }.joined(separator: ": ")
            out += "<td>\(Markup.escape(failure))</td></tr>\n"
        }
        return out + "</tbody></table></div>\n</section>\n"
    }

    static func runsTable(_ runs: [HistoryReport.RunPoint]) -> String {
        var out = "<section class=\"panel\" id=\"runs\">\n<div class=\"panel-head\"><h2>Runs <span class=\"count\">"
        out += "\(runs.count)</span></h2></div>\n<div class=\"table-wrap\"><table class=\"flows history\"><thead><tr>"
        out += "<th>Started</th><th>Run</th><th>Commit</th><th>CI job</th><th class=\"num\">Passed</th>"
        out += "<th>Rate</th><th>95% interval</th><th class=\"num\">p50</th><th class=\"num\">p90</th>"
        out += "<th class=\"num\">Tokens</th><th class=\"num\">Cost</th></tr></thead><tbody>\n"
        for run in runs.reversed() {
            let state = run.failed > 0 ? "failed" : run.errors > 0 ? "error" : "passed"
            out += "<tr class=\"f-\(state)\"><td>\(Markup.escape(HTMLReport.timestamp(run.startedAt)))</td>"
            out += "<td>\(Markup.escape(run.id))</td>"
            out += "<td class=\"commit\">\(Markup.escape(run.gitCommit.map { String($0.prefix(10)) } ?? "–"))</td>"
            out += "<td>\(Markup.escape(run.ciJob ?? "–"))</td>"
            out += "<td class=\"num\">\(run.passed)/\(run.total)</td><td>\(percent(run.passRate))</td>"
            out += "<td>\(run.passRateInterval.map { "\(percent($0.lower))–\(percent($0.upper))" } ?? "–")</td>"
            out += "<td class=\"num\">\(run.latencyMs.map { milliseconds($0.p50) } ?? "–")</td>"
            out += "<td class=\"num\">\(run.latencyMs.map { milliseconds($0.p90) } ?? "–")</td>"
            let tokens = run.inputTokens.map { $0 + (run.outputTokens ?? 0) }
            out += "<td class=\"num\">\(tokens.map(String.init) ?? "–")</td>"
            out += "<td class=\"num\">\(run.cost.map { String(format: "%.4f", $0) } ?? "–")</td></tr>\n"
        }
        return out + "</tbody></table></div>\n</section>\n"
    }

    private static func reference(_ run: HistoryReport.RunReference) -> String {
        run.id + " (" + HTMLReport.timestamp(run.startedAt) + (run.gitCommit.map { ", \($0.prefix(8))" } ?? "") + ")"
    }

    private static func percent(_ value: Double) -> String { HTMLReport.percent(value) }
    private static func milliseconds(_ ms: Double) -> String { HTMLReport.milliseconds(ms) }

    /// `03-14` under a chart point.
    private static func day(_ date: Date) -> String {
        String(HTMLReport.timestamp(date).dropFirst(5).prefix(5))
    }
}
