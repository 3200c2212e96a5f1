import ParleyFlow
import ParleyResults
extension HTMLReport {
    /// Flows shown before "Show all": enough for the unreliable ones, which come first.
    static let foldAfter = 15

    /// One row per flow: runs, outcomes, pass rate, flakiness and latency; the least reliable first.
    static func flowsSection(summary: RunSummary) -> String {
        let flows = summary.flows.sorted { a, b in
            if a.passRate != b.passRate { return a.passRate < b.passRate }
            if a.flaky != b.flaky { return a.flaky }
            return a.flow < b.flow
        }
        let repeated = flows.contains { $0.runs > 1 }
        var out =
            "<section class=\"panel\" id=\"flows\">\n<div class=\"panel-head\"><h2>Flows <span "
            + "class=\"count\">\(flows.count)</span></h2>"
        let flakyCount = flows.count { $0.flaky }
        if flakyCount > 0 {
            out += "<span class=\"badge flaky\">\(flakyCount) flaky</span>"
        }
        out += "</div>\n"
        guard !flows.isEmpty else {
            return out + "<p class=\"empty\">No flow runs finished.</p>\n</section>\n"
        }
        out += "<div class=\"table-wrap\"><table class=\"flows\">\n<thead><tr><th>Flow</th><th class=\"num\">Runs</th>"
        out +=
            "<th class=\"num\">Passed</th><th class=\"num\">Failed</th><th class=\"num\">Errors</th><th>Pass rate</th>"
        let k = repeated ? summary.k : nil
        if repeated { out += "<th>95% interval</th>" }
        if let k { out += "<th class=\"num\">pass@\(k)</th><th class=\"num\">pass^\(k)</th>" }
        out += "<th class=\"num\">p50</th><th class=\"num\">p90</th></tr></thead>\n<tbody>\n"
        for (index, flow) in flows.enumerated() {
            let state = flow.failed > 0 ? "failed" : flow.errors > 0 ? "error" : "passed"
            // Rows past the first few are folded away by the script (only), so without it every row shows.
            out += "<tr class=\"f-\(state)\(index >= foldAfter ? " extra" : "")\">"
            out +=
                "<td><button type=\"button\" class=\"flow-link\" data-flow=\"\(Markup.escape(flow.flow))\" "
                + "title=\"Show this flow's runs\">"
            out += "\(Markup.escape(flow.flow))</button>"
            if flow.flaky {
                out +=
                    " <span class=\"badge flaky\" title=\"outcomes differ between repetitions of the same "
                    + "persona, scenario and row\">flaky</span>"
            }
            out += "<div class=\"file\">\(Markup.escape(flow.file))</div></td>"
            out += "<td class=\"num\">\(flow.runs)</td>"
            out += "<td class=\"num\">\(flow.passed)</td>"
            out += "<td class=\"num\(flow.failed > 0 ? " bad" : "")\">\(flow.failed)</td>"
            out += "<td class=\"num\(flow.errors > 0 ? " warn" : "")\">\(flow.errors)</td>"
            let width = Int((flow.passRate * 100).rounded())
            out += "<td><div class=\"rate\"><div class=\"bar\"><span style=\"width:\(width)%\"></span></div>"
            out += "<span class=\"pct\">\(percent(flow.passRate))</span>"
            if repeated { out += "<span class=\"of\">\(flow.passed)/\(flow.runs)</span>" }
            if let minimum = flow.minPassRate {
                let meets = flow.meetsMinPassRate == true
                out +=
                    "<span class=\"badge\(meets ? "" : " flaky")\" title=\"min_pass_rate\">"
                    + "\(meets ? "≥" : "<") \(percent(minimum))</span>"
            }
            out += "</div></td>"
            if repeated {
                let interval = flow.passRateInterval.map { "\(percent($0.lower))–\(percent($0.upper))" } ?? "–"
                out += "<td class=\"interval\">\(interval)</td>"
            }
            if k != nil {
                out += "<td class=\"num\">\(flow.passAtK.map(percent) ?? "–")</td>"
                out += "<td class=\"num\">\(flow.passHatK.map(percent) ?? "–")</td>"
            }
            out += "<td class=\"num\">\(flow.latencyMs.map { milliseconds($0.p50) } ?? "–")</td>"
            out += "<td class=\"num\">\(flow.latencyMs.map { milliseconds($0.p90) } ?? "–")</td>"
            out += "</tr>\n"
        }
        out += "</tbody></table></div>\n"
        if flows.count > foldAfter {
            out +=
                "<button type=\"button\" class=\"more\" id=\"flows-all\" hidden>Show all \(flows.count) "
                + "flows</button>\n"
        }
        out += "</section>\n"
        return out
    }
}
