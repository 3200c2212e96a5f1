import ParleyJSON
import ParleyRun

/// Reads a judge's answer strictly: exactly the schema's object, one verdict per criterion.
///
/// Anything else — prose, a code fence, a missing or repeated criterion, an unknown verdict, an
/// extra member — is a ``JudgeFailure`` carrying the raw answer, never a guessed verdict.
public enum VerdictParser {
    public static func parse(_ text: String, criteria count: Int) throws(JudgeFailure)
        -> [(verdict: Verdict, reasoning: String)]
    {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: text)
        } catch {
            throw JudgeFailure("the answer is not JSON (\(error))", answer: text)
        }
        guard let members = json.object else {
            throw JudgeFailure("the answer is \(json.kindDescription), not an object with `verdicts`", answer: text)
        }
        if let extra = members.first(where: { $0.0 != "verdicts" }) {
            throw JudgeFailure("the answer has an unexpected member `\(extra.0)`", answer: text)
        }
        guard let list = json["verdicts"]?.array else {
            throw JudgeFailure("the answer has no `verdicts` list", answer: text)
        }
        var found: [Int: (Verdict, String)] = [:]
        for item in list {
            guard let fields = item.object else {
                throw JudgeFailure("a verdict is \(item.kindDescription), not an object", answer: text)
            }
            if let extra = fields.first(where: { !["criterion", "verdict", "reasoning"].contains($0.0) }) {
                throw JudgeFailure("a verdict has an unexpected member `\(extra.0)`", answer: text)
            }
            guard let number = item["criterion"]?.int, (1...max(1, count)).contains(number), count > 0 else {
                throw JudgeFailure("a verdict names no criterion between 1 and \(count)", answer: text)
            }
            guard let word = item["verdict"]?.string, let verdict = Verdict(rawValue: word) else {
                throw JudgeFailure(
                    "the verdict on criterion \(number) is not `pass`, `fail` or `inconclusive`", answer: text)
            }
            guard let reasoning = item["reasoning"]?.string else {
                throw JudgeFailure("the verdict on criterion \(number) has no `reasoning` text", answer: text)
            }
            guard found[number] == nil else {
                throw JudgeFailure("criterion \(number) has two verdicts", answer: text)
            }
            found[number] = (verdict, reasoning)
        }
        let missing = (1...max(1, count)).filter { found[$0] == nil }
        guard missing.isEmpty else {
            throw JudgeFailure(
                "the answer has no verdict on criterion \(missing.map(String.init).joined(separator: ", "))",
                answer: text)
        }
        return (1...count).compactMap { found[$0] }.map { (verdict: $0.0, reasoning: $0.1) }
    }
}
