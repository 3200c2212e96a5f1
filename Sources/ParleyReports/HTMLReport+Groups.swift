import ParleyFlow
import ParleyResults

extension HTMLReport {
    /// Pass rates by persona and by scenario, side by side, when a run has more than one of either
    /// (a persona × scenario matrix, or flows with different personas).
    static func groupsSection(summary: RunSummary) -> String {
        let tables = [("Personas", "persona", summary.personas), ("Scenarios", "scenario", summary.scenarios)]
            .compactMap { title, kind, groups -> String? in
                guard let groups, groups.count > 1 else { return nil }
                return groupTable(title: title, kind: kind, groups: groups)
            }
        guard !tables.isEmpty else { return "" }
        return "<section class=\"panel\" id=\"groups\">\n<div class=\"group-grid\">\n" + tables.joined()
            + "</div>\n</section>\n"
    }

    /// One table: a row per persona (or scenario) with its pass rate's 95% interval, least reliable first.
    private static func groupTable(title: String, kind: String, groups: [RunSummary.GroupSummary]) -> String {
        let sorted = groups.sorted { a, b in
            a.passRate != b.passRate ? a.passRate < b.passRate : a.name < b.name
        }
        var out = "<div class=\"group\" id=\"by-\(kind)\">\n<div class=\"panel-head\"><h2>By \(kind) "
        out += "<span class=\"count\">\(groups.count)</span></h2></div>\n"
        out += "<div class=\"table-wrap\"><table class=\"groups\">\n<thead><tr><th>\(Markup.escape(title))</th>"
        out += "<th class=\"num\">Flows</th><th class=\"num\">Runs</th><th class=\"num\">Failed</th>"
        out += "<th class=\"num\">Errors</th><th>Pass rate</th><th>95% interval</th></tr></thead>\n<tbody>\n"
        for group in sorted {
            let state = group.failed > 0 ? "failed" : group.errors > 0 ? "error" : "passed"
            out += "<tr class=\"f-\(state)\"><td>\(Markup.escape(group.name))</td>"
            out += "<td class=\"num\">\(group.flows)</td><td class=\"num\">\(group.runs)</td>"
            out += "<td class=\"num\(group.failed > 0 ? " bad" : "")\">\(group.failed)</td>"
            out += "<td class=\"num\(group.errors > 0 ? " warn" : "")\">\(group.errors)</td>"
            let width = Int((group.passRate * 100).rounded())
            out += "<td><div class=\"rate\"><div class=\"bar\"><span style=\"width:\(width)%\"></span></div>"
            out += "<span class=\"pct\">\(percent(group.passRate))</span>"
            out += "<span class=\"of\">\(group.passed)/\(group.runs)</span></div></td>"
            let interval = group.passRateInterval.map { "\(percent($0.lower))–\(percent($0.upper))" } ?? "–"
            out += "<td class=\"interval\">\(interval)</td></tr>\n"
        }
        out += "</tbody></table></div>\n</div>\n"
        return out
    }
}
