import Foundation
import ParleyResults
import ParleyRun

/// JUnit XML in the dialect Jenkins, GitLab and GitHub's test reporters read: one `<testsuite>` per
/// flow file, one `<testcase>` per flow run, failures carrying the flow location and the agent's reply.
///
/// With a summary, each suite carries `<properties>` with the statistics of its flows, named
/// `<flow>.pass_rate`, `.pass_rate_lower`, `.pass_rate_upper` (the 95% Wilson interval), `.pass_at_k`,
/// `.pass_hat_k`, `.k`, `.min_pass_rate` and, when tokens were reported, `.tokens` and `.cost` — the
/// figures of `summary.json`, unchanged.
public enum JUnitReport {
    public static func xml(
        records: [ResultRecord], summary: RunSummary? = nil, name: String = "parley", timestamp: Date = Date()
    ) -> String {
        var byFile: [String: [ResultRecord]] = [:]
        var order: [String] = []
        for record in records {
            if byFile[record.file] == nil { order.append(record.file) }
            byFile[record.file, default: []].append(record)
        }
        let stamp = Date.ISO8601FormatStyle().format(timestamp)
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites name=\"\(Markup.escape(name))\" tests=\"\(records.count)\" "
            + "failures=\"\(count(records, .failed))\" "
        out += "errors=\"\(count(records, .error))\" time=\(seconds(records.map(\.durationMs).reduce(0, +)))>\n"
        for file in order {
            let cases = byFile[file] ?? []
            out +=
                "  <testsuite name=\"\(Markup.escape(file))\" tests=\"\(cases.count)\" "
                + "failures=\"\(count(cases, .failed))\" "
            out +=
                "errors=\"\(count(cases, .error))\" skipped=\"0\" "
                + "time=\(seconds(cases.map(\.durationMs).reduce(0, +))) timestamp=\"\(stamp)\">\n"
            if let summary { out += properties(summary.flows.filter { $0.file == file }, k: summary.k) }
            for record in cases {
                out += testcase(record)
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    private static func testcase(_ r: ResultRecord) -> String {
        let classname = (r.file as NSString).deletingPathExtension
            .split(separator: "/").filter { $0 != "." && $0 != ".." }.joined(separator: ".")
        // Test cases of a matrix or a table must be told apart: the scenario and the row are named.
        let name = r.name
        var out =
            "    <testcase name=\"\(Markup.escape(name))\" classname=\"\(Markup.escape(classname))\" "
            + "file=\"\(Markup.escape(r.file))\" time=\(seconds(r.durationMs))"
        guard r.outcome != .passed, let failure = r.failure else {
            return out + "/>\n"
        }
        out += ">\n"
        let element = r.outcome == .failed ? "failure" : "error"
        let type = r.outcome == .failed ? "assertion" : (failure.errorKind?.rawValue ?? "error")
        var body = "\(failure.location): \(failure.message)\n"
        if let expected = failure.expected { body += "Expected: \(expected)\n" }
        if let actual = failure.actual { body += "Agent said: \(actual)\n" }
        body += "Transcript: \(r.transcript)\n"
        out +=
            "      <\(element) message=\"\(Markup.escape("\(failure.location): \(failure.message)"))\" "
            + "type=\"\(Markup.escape(type))\">"
        out += Markup.escape(body)
        out += "</\(element)>\n"
        out += "    </testcase>\n"
        return out
    }

    /// The statistics of a suite's flows as JUnit properties.
    private static func properties(_ flows: [RunSummary.FlowSummary], k: Int?) -> String {
        var properties: [(String, String)] = []
        for flow in flows {
            func add(_ key: String, _ value: Double?) {
                if let value { properties.append(("\(flow.flow).\(key)", number(value))) }
            }
            add("pass_rate", flow.passRate)
            add("pass_rate_lower", flow.passRateInterval?.lower)
            add("pass_rate_upper", flow.passRateInterval?.upper)
            if let k, flow.passAtK != nil {
                properties.append(("\(flow.flow).k", "\(k)"))
                add("pass_at_k", flow.passAtK)
                add("pass_hat_k", flow.passHatK)
            }
            add("min_pass_rate", flow.minPassRate)
            if let usage = flow.usage {
                properties.append(("\(flow.flow).tokens", "\(usage.totalTokens)"))
                add("cost", usage.cost)
            }
        }
        guard !properties.isEmpty else { return "" }
        var out = "    <properties>\n"
        for (name, value) in properties {
            out += "      <property name=\"\(Markup.escape(name))\" value=\"\(Markup.escape(value))\"/>\n"
        }
        return out + "    </properties>\n"
    }

    /// Up to 6 decimals, without trailing zeros.
    private static func number(_ value: Double) -> String {
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    private static func count(_ records: [ResultRecord], _ outcome: Outcome) -> Int {
        records.count { $0.outcome == outcome }
    }

    private static func seconds(_ ms: Double) -> String {
        "\"" + String(format: "%.3f", ms / 1000) + "\""
    }

}
