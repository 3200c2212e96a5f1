import Foundation
import ParleyFlow
import ParleyJSON

/// `parley-judge`: a rule-based judge model that reads Parley's judge prompt and decides each
/// criterion by plain, documented rules, so judged flows pass, fail and come back inconclusive
/// on purpose, offline, the same way every time.
///
/// - A criterion that quotes text (`"…"` or `“…”`) passes when an agent reply contains every quoted
///   text (ignoring case).
/// - A criterion that names actions in backticks (`` `order-lookup` ``) passes when the reported
///   actions include every one: a tool called by that name, a state entered, a behaviour selected.
/// - Saying `not`, `never`, `no` or `without` (outside the quotes) turns it around: the criterion
///   passes when none of the quoted texts and named actions appear.
/// - A criterion with neither quotes nor backticks is `inconclusive`: the rules cannot decide it.
///
/// When the prompt marks one reply for grading, only that reply (and its actions) is evidence.
enum SandboxJudge {
    static let model = "parley-judge"

    /// One turn of the prompt's transcript.
    struct PromptTurn {
        var number: Int
        var role: String
        var text: String
        /// Action lines without the `action: ` prefix: `tool order-lookup {…}`, `state a → b`.
        var actions: [String] = []
    }

    /// The verdicts as the JSON answer a model would give, or `nil` when the messages do not hold a
    /// Parley judge prompt.
    static func answer(_ messages: [(role: String, content: String)]) -> String? {
        guard let prompt = messages.last(where: { $0.role == "user" })?.content else { return nil }
        let sections = prompt.components(separatedBy: "\n---\n")
        guard let criteriaSection = sections.first(where: { $0.hasPrefix("CRITERIA:") }) else { return nil }
        let transcript = sections.first { $0.hasPrefix("TRANSCRIPT:") }.map(turns) ?? []
        let focus = sections.first { $0.hasPrefix("GRADE ONLY THIS AGENT REPLY: [") }.flatMap { section in
            Int(section.dropFirst("GRADE ONLY THIS AGENT REPLY: [".count).prefix { $0.isNumber })
        }
        let evidence = transcript.filter { $0.role == "Agent" && (focus == nil || $0.number == focus) }
        var verdicts: [JSONValue] = []
        for line in criteriaSection.split(separator: "\n").dropFirst() {
            guard let dot = line.firstIndex(of: "."), let number = Int(line[..<dot]) else { continue }
            let criterion = line[line.index(after: dot)...].trimmingCharacters(in: .whitespaces)
            let (verdict, reasoning) = decide(criterion, evidence: evidence)
            verdicts.append(
                .object([
                    ("criterion", .int(number)), ("verdict", .string(verdict)),
                    ("reasoning", .string(reasoning)),
                ]))
        }
        return JSONValue.object([("verdicts", .array(verdicts))]).serialized
    }

    /// The turns of a `TRANSCRIPT:` section.
    static func turns(_ section: String) -> [PromptTurn] {
        var result: [PromptTurn] = []
        for line in section.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            if line.hasPrefix("    action: "), !result.isEmpty {
                result[result.count - 1].actions.append(String(line.dropFirst("    action: ".count)))
            } else if line.hasPrefix("    "), !result.isEmpty {
                result[result.count - 1].text += "\n" + line.dropFirst(4)
            } else if line.hasPrefix("["), let close = line.firstIndex(of: "]"),
                let number = Int(line[line.index(after: line.startIndex)..<close])
            {
                let rest = line[line.index(after: close)...].drop { $0 == " " }
                guard let colon = rest.firstIndex(of: ":") else { continue }
                result.append(
                    PromptTurn(
                        number: number, role: String(rest[..<colon]),
                        text: String(rest[rest.index(after: colon)...].dropFirst())))
            }
        }
        return result
    }

    /// The verdict and reasoning on one criterion.
    static func decide(_ criterion: String, evidence: [PromptTurn]) -> (String, String) {
        let quoted = enclosed(in: criterion, pairs: [("\"", "\""), ("\u{201C}", "\u{201D}")])
        let named = enclosed(in: criterion, pairs: [("`", "`")])
        guard !quoted.isEmpty || !named.isEmpty else {
            return (
                "inconclusive",
                "the sandbox judge decides only criteria that quote text or name an action in backticks"
            )
        }
        let negated = isNegated(criterion)
        let texts = evidence.map(\.text)
        let actionNames = evidence.flatMap(\.actions).map(actionName)
        var present: [String] = []
        var absent: [String] = []
        for text in quoted {
            if texts.contains(where: { $0.range(of: text, options: [.caseInsensitive, .diacriticInsensitive]) != nil })
            {
                present.append("\"\(text)\"")
            } else {
                absent.append("\"\(text)\"")
            }
        }
        for name in named {
            if actionNames.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) {
                present.append("`\(name)`")
            } else {
                absent.append("`\(name)`")
            }
        }
        let scope = evidence.count == 1 ? "reply [\(evidence[0].number)]" : "the agent's replies and actions"
        if negated {
            return present.isEmpty
                ? ("pass", "none of \(absent.joined(separator: ", ")) appears in \(scope)")
                : ("fail", "\(present.joined(separator: ", ")) appears in \(scope)")
        }
        return absent.isEmpty
            ? ("pass", "\(present.joined(separator: ", ")) appears in \(scope)")
            : ("fail", "\(absent.joined(separator: ", ")) does not appear in \(scope)")
    }

    /// The name an action line is about: the tool, the state entered, the behaviour, the step.
    static func actionName(_ line: String) -> String {
        if line.hasPrefix("state "), let arrow = line.range(of: "→ ", options: .backwards) {
            return String(line[arrow.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        let words = line.split(separator: " ", maxSplits: 2)
        return words.count > 1 ? String(words[1]) : line
    }

    /// The texts between each pair of delimiters, in order.
    static func enclosed(in text: String, pairs: [(Character, Character)]) -> [String] {
        var found: [String] = []
        for (open, close) in pairs {
            var current: String?
            for character in text {
                if var inside = current {
                    if character == close {
                        if !inside.isEmpty { found.append(inside) }
                        current = nil
                    } else {
                        inside.append(character)
                        current = inside
                    }
                } else if character == open {
                    current = ""
                }
            }
        }
        return found
    }

    /// Whether the criterion, outside its quotes and backticks, says `not`, `never`, `no` or `without`.
    static func isNegated(_ criterion: String) -> Bool {
        var outside = ""
        var closing: Character?
        for character in criterion {
            if let end = closing {
                if character == end { closing = nil }
            } else if character == "\"" || character == "`" {
                closing = character
            } else if character == "\u{201C}" {
                closing = "\u{201D}"
            } else {
                outside.append(character)
            }
        }
        let words = outside.lowercased().split { !$0.isLetter && $0 != "'" && $0 != "\u{2019}" }
        return words.contains { ["not", "never", "no", "without"].contains($0) || $0.hasSuffix("n't") }
    }
}
