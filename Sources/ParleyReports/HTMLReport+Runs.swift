import ParleyFlow
import ParleyResults
extension HTMLReport {
    /// The filter bar and one expandable row per flow run, in the order given (failures first).
    static func runsSection(ordered: [ResultRecord], flaky: Set<String>) -> String {
        let counts = Dictionary(grouping: ordered, by: \.outcome).mapValues(\.count)
        let keys = filterKeys(ordered)
        var out =
            "<section class=\"panel\" id=\"runs\">\n<div class=\"panel-head\"><h2>Flow runs <span "
            + "class=\"count\">\(ordered.count)</span></h2></div>\n"
        out +=
            "<div class=\"filters\" role=\"toolbar\" aria-label=\"Filter flow runs\">\n<div class=\"seg\" "
            + "role=\"group\">"
        let buttons: [(String, String, Int)] = [
            ("all", "All", ordered.count),
            ("failed", "Failed", counts[.failed] ?? 0),
            ("error", "Errors", counts[.error] ?? 0),
            ("passed", "Passed", counts[.passed] ?? 0),
        ]
        for (value, label, count) in buttons {
            out +=
                "<button type=\"button\" data-outcome=\"\(value)\" class=\"o-\(value)\(value == "all" ? " on" : "")\""
            out += " aria-pressed=\"\(value == "all")\">\(label) <span>\(count)</span></button>"
        }
        out += "</div>\n"
        if !keys.isEmpty {
            out += "<label class=\"select\">Tag <select id=\"f-key\"><option value=\"\">any</option>"
            for key in keys {
                out += "<option value=\"\(Markup.escape(key))\">\(Markup.escape(key))</option>"
            }
            out += "</select></label>\n"
        }
        if !flaky.isEmpty {
            out += "<label class=\"check\"><input type=\"checkbox\" id=\"f-flaky\"> flaky flows only</label>\n"
        }
        out += "<button type=\"button\" class=\"chip\" id=\"f-flow\" hidden title=\"Show every flow\"></button>\n"
        out +=
            "<input type=\"search\" id=\"f-text\" placeholder=\"Search flow, persona, file…\" aria-label=\"Search "
            + "flow runs\">\n"
        out += "<span class=\"shown\" id=\"f-shown\" aria-live=\"polite\"></span>\n</div>\n"
        if ordered.isEmpty {
            out += "<p class=\"empty\">No flow runs finished.</p>\n"
        }
        out += "<div class=\"runs\" id=\"run-list\">\n"
        for (index, record) in ordered.enumerated() {
            out += runRow(record, index: index, flaky: flaky.contains(record.flow))
        }
        out += "</div>\n<p class=\"none\" id=\"f-none\" hidden>No flow run matches these filters.</p>\n"
        out += "<button type=\"button\" class=\"more\" id=\"f-more\" hidden>Show more</button>\n</section>\n"
        return out
    }

    /// What the tag filter offers: the flows' labels, then conversation tags as `key=value`.
    static func filterKeys(_ records: [ResultRecord]) -> [String] {
        let labels = Set(records.flatMap(\.labels)).sorted()
        let tags = Set(records.flatMap { $0.conversationTags.map { "\($0.key)=\($0.value)" } }).sorted()
        return labels + tags.filter { !labels.contains($0) }
    }

    private static func runRow(_ record: ResultRecord, index: Int, flaky: Bool) -> String {
        let outcome = record.outcome.rawValue
        // Tab-separated with tabs at both ends, so the script finds a whole key with one substring test.
        let keys = record.labels + record.conversationTags.map { "\($0.key)=\($0.value)" }.sorted()
        let search = [
            record.flow, record.persona ?? "", record.scenario ?? "", record.dataCase?.name ?? "", record.file,
            record.id,
        ].joined(separator: " ").lowercased()
        var out =
            "<details class=\"run r-\(outcome)\" id=\"run-\(index)\" data-i=\"\(index)\" data-outcome=\"\(outcome)\""
        out +=
            " data-flow=\"\(Markup.escape(record.flow))\" "
            + "data-keys=\"\(Markup.escape("\t" + keys.joined(separator: "\t") + "\t"))\""
        out += " data-search=\"\(Markup.escape(search))\"\(flaky ? " data-flaky=\"1\"" : "")>\n<summary>"
        let label: String
        switch record.outcome {
        case .passed: label = "Passed"
        case .failed: label = "Failed"
        case .error: label = "Error"
        }
        out += "<span class=\"line\"><span class=\"badge b-\(outcome)\">\(label)</span>"
        out += "<span class=\"name\">\(Markup.escape(record.flow))</span>"
        if let persona = record.persona { out += "<span class=\"persona\">\(Markup.escape(persona))</span>" }
        if let scenario = record.scenario {
            out += "<span class=\"persona\" title=\"scenario\">\(Markup.escape(scenario))</span>"
        }
        if let row = record.dataCase {
            out +=
                "<span class=\"persona\" title=\"\(Markup.escape("\(row.file):\(row.line)"))\">case "
                + "\(Markup.escape(row.name))</span>"
        }
        if record.repetition > 1 { out += "<span class=\"rep\" title=\"repetition\">#\(record.repetition)</span>" }
        if flaky { out += "<span class=\"badge flaky\">flaky</span>" }
        for key in keys { out += "<span class=\"tag\">\(Markup.escape(key))</span>" }
        out +=
            "<span class=\"meta\">\(record.turns) turn\(record.turns == 1 ? "" : "s") · "
            + "\(milliseconds(record.durationMs))</span></span>"
        if let failure = record.failure, record.outcome != .passed {
            out += "<span class=\"failure\">"
            out += "<span class=\"where\"><code>\(Markup.escape(failure.location.description))</code>"
            let kind = failure.errorKind.map { " · \(Markup.escape($0.rawValue))" } ?? ""
            out += "<span class=\"kind\">\(record.outcome == .failed ? "failed" : "error")\(kind)</span></span>"
            out += "<span class=\"message\">\(Markup.escape(failure.message))</span>"
            if let expected = failure.expected {
                out +=
                    "<span class=\"pair\"><span class=\"k\">expected</span><span "
                    + "class=\"v\">\(Markup.escape(expected))</span></span>"
            }
            if let actual = failure.actual {
                out +=
                    "<span class=\"pair\"><span class=\"k\">agent said</span><span class=\"v "
                    + "said\">\(Markup.escape(actual))</span></span>"
            }
            out += "</span>"
        }
        out +=
            "</summary>\n<div class=\"transcript\" aria-live=\"polite\"><p class=\"loading\">Transcript: "
            + "\(Markup.escape(record.transcript))</p></div>\n</details>\n"
        return out
    }
}
