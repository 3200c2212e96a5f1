import Foundation
import ParleyJSON
import ParleyRun

/// One human verdict from a labels file: a transcript, a criterion, pass or fail, and optionally
/// the one agent reply it is about.
///
/// `{"transcript": "runs/x/transcripts/a--dana--1.json", "criterion": "…", "human": "pass", "reply": 4}`:
/// the path is relative to the labels file; `reply` is the turn's number as the judge prompt shows it.
public struct CalibrationLabel: Sendable, Hashable {
    public var transcript: String
    public var criterion: String
    public var humanPassed: Bool
    /// 1-based turn number of an agent reply, for `each_reply`-style criteria.
    public var reply: Int?
    public var line: Int

    /// Reads a labels file's text; problems are `(line, message)` pairs, and a file with any is not used.
    public static func parse(_ text: String, relativeTo directory: String) -> (
        labels: [CalibrationLabel], problems: [(Int, String)]
    ) {
        var labels: [CalibrationLabel] = []
        var problems: [(Int, String)] = []
        // "\r\n" is one Character, equal to neither "\r" nor "\n": files with Windows line ends split too.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (offset, raw) in lines.enumerated() {
            let line = offset + 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let json: JSONValue
            do {
                json = try JSONValue(parsing: trimmed)
            } catch {
                problems.append((line, "not JSON: \(error)"))
                continue
            }
            guard let members = json.object else {
                problems.append((line, "a label is an object, not \(json.kindDescription)"))
                continue
            }
            if let extra = members.first(where: { !["transcript", "criterion", "human", "reply"].contains($0.0) }) {
                problems.append((line, "unknown member `\(extra.0)` (a label has transcript, criterion, human, reply)"))
                continue
            }
            guard let path = json["transcript"]?.string, !path.isEmpty else {
                problems.append((line, "`transcript` (a transcript file) is missing"))
                continue
            }
            guard let criterion = json["criterion"]?.string, !criterion.isEmpty else {
                problems.append((line, "`criterion` is missing"))
                continue
            }
            guard let human = json["human"]?.string, human == "pass" || human == "fail" else {
                problems.append((line, "`human` must be \"pass\" or \"fail\""))
                continue
            }
            var reply: Int?
            if let value = json["reply"] {
                guard let number = value.int, number >= 1 else {
                    problems.append((line, "`reply` must be a turn number (1 is the first turn)"))
                    continue
                }
                reply = number
            }
            let resolved = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
            labels.append(
                CalibrationLabel(
                    transcript: resolved, criterion: criterion, humanPassed: human == "pass", reply: reply, line: line))
        }
        return (labels, problems)
    }
}

extension CalibrationStatistics {
    /// The statistics as `calibration.json` stores them.
    public var json: JSONValue {
        func row(_ verdict: Verdict) -> JSONValue {
            .object([
                ("human_pass", .int(cell(judge: verdict, humanPassed: true))),
                ("human_fail", .int(cell(judge: verdict, humanPassed: false))),
            ])
        }
        return .object([
            ("criterion", .string(criterion)), ("count", .int(count)),
            ("agreement", .double(agreement)), ("kappa", kappa.map(JSONValue.double) ?? .null),
            (
                "confusion",
                .object([
                    ("judge_pass", row(.pass)), ("judge_fail", row(.fail)), ("judge_inconclusive", row(.inconclusive)),
                ])
            ),
        ])
    }
}
