import Foundation
import ParleyResults

extension HTMLReport {
    /// An SVG line chart of p50, p90 and p99 reply latency by reply number, with a table of the same
    /// numbers for readers (and screen readers) who want them exactly.
    static func latencyChart(_ profile: TurnLatencyProfile) -> String {
        let positions = profile.positions
        guard !positions.isEmpty else { return "" }
        let width = 960.0, height = 280.0
        let left = 64.0, right = 20.0, top = 16.0, bottom = 44.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let peak = positions.map(\.percentiles.p99).max() ?? 0
        let (ceiling, step) = niceScale(peak)
        let slots = Double(positions.count)
        func x(_ index: Int) -> Double { left + plotWidth * (Double(index) + 0.5) / slots }
        func y(_ ms: Double) -> Double { top + plotHeight * (1 - min(ms, ceiling) / ceiling) }
        func n(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg =
            "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" "
            + "aria-labelledby=\"latency-title\" preserveAspectRatio=\"xMidYMid meet\">"
        svg += "<title id=\"latency-title\">Reply latency p50, p90 and p99 by reply number</title>"
        // Grid and y-axis labels.
        var tick = 0.0
        while tick <= ceiling + step / 2 {
            svg +=
                "<line class=\"grid\" x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(y(tick)))\" "
                + "y2=\"\(n(y(tick)))\"/>"
            svg +=
                "<text class=\"ylab\" x=\"\(n(left - 8))\" "
                + "y=\"\(n(y(tick) + 4))\">\(Markup.escape(milliseconds(tick)))</text>"
            tick += step
        }
        // X-axis labels: every reply when they fit, else every k-th.
        let every = max(1, Int((slots / 24).rounded(.up)))
        for (index, position) in positions.enumerated() where index % every == 0 || index == positions.count - 1 {
            svg +=
                "<text class=\"xlab\" x=\"\(n(x(index)))\" "
                + "y=\"\(n(top + plotHeight + 18))\">\(Markup.escape(position.label))</text>"
        }
        svg += "<text class=\"axis\" x=\"\(n(left + plotWidth / 2))\" y=\"\(n(height - 6))\">agent reply number</text>"
        // Hover bands: one per reply, carrying the exact values as a tooltip.
        for (index, position) in positions.enumerated() {
            let p = position.percentiles
            svg += "<rect class=\"band\" x=\"\(n(left + plotWidth * Double(index) / slots))\" y=\"\(n(top))\" "
            svg +=
                "width=\"\(n(plotWidth / slots))\" height=\"\(n(plotHeight))\"><title>reply "
                + "\(Markup.escape(position.label)): "
            svg +=
                "p50 \(Markup.escape(milliseconds(p.p50))) · p90 \(Markup.escape(milliseconds(p.p90))) · p99 "
                + "\(Markup.escape(milliseconds(p.p99))) "
            svg += "(\(position.count) repl\(position.count == 1 ? "y" : "ies"))</title></rect>"
        }
        let series: [(String, KeyPath<RunSummary.Percentiles, Double>)] = [
            ("p99", \.p99), ("p90", \.p90), ("p50", \.p50),
        ]
        for (name, path) in series {
            let points = positions.enumerated().map {
                (x: n(x($0.offset)), y: n(y($0.element.percentiles[keyPath: path])))
            }
            if points.count > 1 {
                svg +=
                    "<polyline class=\"line s-\(name)\" "
                    + "points=\"\(points.map { "\($0.x),\($0.y)" }.joined(separator: " "))\"/>"
            }
            for point in points {
                svg += "<circle class=\"dot s-\(name)\" cx=\"\(point.x)\" cy=\"\(point.y)\" r=\"3\"/>"
            }
        }
        svg += "</svg>\n"

        var table =
            "<details class=\"numbers\"><summary>Numbers</summary><div class=\"table-wrap\"><table class=\"latency\">"
        table +=
            "<thead><tr><th>Reply</th><th class=\"num\">Replies</th><th class=\"num\">p50</th><th "
            + "class=\"num\">p90</th><th class=\"num\">p99</th></tr></thead><tbody>"
        for position in positions {
            let p = position.percentiles
            table += "<tr><td>\(Markup.escape(position.label))</td><td class=\"num\">\(position.count)</td>"
            table += "<td class=\"num\" data-p50=\"\(p.p50)\">\(Markup.escape(milliseconds(p.p50)))</td>"
            table += "<td class=\"num\" data-p90=\"\(p.p90)\">\(Markup.escape(milliseconds(p.p90)))</td>"
            table += "<td class=\"num\" data-p99=\"\(p.p99)\">\(Markup.escape(milliseconds(p.p99)))</td></tr>"
        }
        table += "</tbody></table></div></details>\n"
        return "<div class=\"chart-wrap\">" + svg + "</div>\n" + table
    }

    /// A round upper bound for the y-axis and the distance between grid lines (1, 2 or 5 × 10ⁿ),
    /// giving four to six lines.
    static func niceScale(_ peak: Double) -> (ceiling: Double, step: Double) {
        guard peak.isFinite, peak > 0 else { return (1, 0.25) }
        let rough = peak / 4
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        return ((peak / step).rounded(.up) * step, step)
    }
}
