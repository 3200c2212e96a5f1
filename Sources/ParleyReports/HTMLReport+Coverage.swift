import ParleyFlow
import ParleyResults

extension HTMLReport {
    /// Which states, tools and intents the run exercised: per kind, the share of declared items and a
    /// list with the gaps first (never exercised, then exercised only by failing flow runs).
    static func coverageSection(_ coverage: RunCoverage?) -> String {
        guard let coverage, coverage.kinds.contains(where: { !$0.items.isEmpty }) else { return "" }
        var out = "<section class=\"panel\" id=\"coverage\">\n<div class=\"panel-head\"><h2>Coverage</h2>"
        if let ratio = coverage.ratio {
            out += "<span class=\"badge\">\(coverage.exercised)/\(coverage.declared) · \(percent(ratio))</span>"
        }
        out += "</div>\n<p class=\"hint\">"
        if let inventory = coverage.inventory {
            out += "Declared in \(Markup.escape(inventory)); "
        } else {
            out += "Nothing declared (add <code>coverage:</code> to parley.yaml); "
        }
        out += "counted from the actions the agent reported in \(coverage.runs) flow run"
        out += "\(coverage.runs == 1 ? "" : "s") (\(coverage.passedRuns) passed).</p>\n<div class=\"group-grid\">\n"
        for kind in coverage.kinds where !kind.items.isEmpty {
            out += "<div class=\"group\" id=\"coverage-\(kind.kind.rawValue)\">\n<h3>"
            out += Markup.escape(kind.kind.rawValue.capitalized)
            if kind.declared > 0 { out += " <span class=\"count\">\(kind.exercised)/\(kind.declared)</span>" }
            out += "</h3>\n<div class=\"table-wrap\"><table class=\"groups\">\n<thead><tr><th>Name</th>"
            out += "<th class=\"num\">Passing runs</th><th class=\"num\">Failing runs</th></tr></thead>\n<tbody>\n"
            for item in kind.items {
                let state = !item.exercised ? "failed" : item.passedRuns == 0 ? "error" : "passed"
                out += "<tr class=\"f-\(state)\"><td>\(Markup.escape(item.name))"
                if !item.exercised {
                    out += " <span class=\"badge b-failed\">never exercised</span>"
                } else if item.passedRuns == 0 {
                    out += " <span class=\"badge b-error\">failing runs only</span>"
                }
                if !item.declared { out += " <span class=\"tag\">undeclared</span>" }
                out += "</td><td class=\"num\">\(item.passedRuns)</td>"
                out += "<td class=\"num\(item.failingRuns > 0 ? " bad" : "")\">\(item.failingRuns)</td></tr>\n"
            }
            out += "</tbody></table></div>\n</div>\n"
        }
        out += "</div>\n</section>\n"
        return out
    }
}
