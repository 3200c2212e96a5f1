import Foundation
import ParleyFlow
import ParleyRun

/// Turns a captured conversation into the text of a regression flow.
///
/// - Each user turn becomes a `send`, each external event an `event`.
/// - Each agent reply becomes checks, by ``ExpectMode``: a judge criterion ("equivalent in meaning
///   to: …"), its distinctive facts as patterns, or the exact text.
/// - Values the user gives that come back later in the conversation (order numbers, e-mail
///   addresses, ids, phone numbers) become persona variables, and the flow uses `${persona.<name>}`
///   wherever they appear.
/// - Values the agent gives that the user repeats later (a ticket number) are captured from the
///   agent's reply and sent back as `${name}`, so the flow holds when the agent hands out new ones.
/// - With `actions`, the tools the agent called on a turn become `expect_tool` checks.
public struct FlowCapture: Sendable {
    public enum ExpectMode: String, Sendable, CaseIterable {
        case judge, keywords, exact
    }

    public struct Options: Sendable {
        public var expect: ExpectMode
        /// Check the tools the agent called (when the conversation recorded them).
        public var actions: Bool
        /// The flow's name; default: the conversation's suggested name.
        public var name: String?
        /// A first line such as `# yaml-language-server: $schema=../schema/flow.schema.json`.
        public var schemaComment: String?

        public init(
            expect: ExpectMode = .judge, actions: Bool = true, name: String? = nil, schemaComment: String? = nil
        ) {
            self.expect = expect
            self.actions = actions
            self.name = name
            self.schemaComment = schemaComment
        }
    }

    /// The flow's text and what went into it.
    public struct Output: Sendable {
        public var name: String
        public var text: String
        public var variables: [Persona.Variable]
        /// Names captured from agent replies and sent back.
        public var captures: [String]
        public var sends: Int
        public var checkedReplies: Int
        public var toolChecks: Int
    }

    /// The criterion a judge grades a captured reply on.
    public static func equivalenceCriterion(_ reply: String) -> String {
        // The reply is quoted so that a judge (and the sandbox's rule-based one) sees exactly what to
        // compare; a criterion is one line, so a reply of several lines is quoted line by line.
        let (open, close) = reply.contains("\"") ? ("\u{201C}", "\u{201D}") : ("\"", "\"")
        let quoted = reply.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces }.filter { !$0.isEmpty }
            .map { open + $0 + close }
        return "The agent's latest reply is equivalent in meaning to: " + quoted.joined(separator: " / ")
    }

    public static func flow(_ conversation: CapturedConversation, options: Options) -> Output {
        var builder = Builder(conversation: conversation, options: options)
        return builder.build()
    }

    /// A value replaced by a placeholder wherever it appears.
    struct Substitution {
        var value: String
        var placeholder: String
    }

    struct Builder {
        let conversation: CapturedConversation
        let options: Options
        let finder = FactFinder()
        var turns: [CapturedConversation.Turn]
        var facts: [[FactFinder.Fact]] = []
        var variables: [Persona.Variable] = []
        /// Captures by agent-turn index: (name, regular expression).
        var captures: [Int: [(name: String, regex: String)]] = [:]
        /// Values available from the captures, with the turn index from which they may be used.
        var captured: [(value: String, name: String, from: Int)] = []
        var usedNames: Set<String> = ["name", "background"]

        init(conversation: CapturedConversation, options: Options) {
            self.conversation = conversation
            self.options = options
            // Agent messages with nothing between them are one reply, as a provider delivers them.
            var merged: [CapturedConversation.Turn] = []
            for turn in conversation.turns {
                if turn.role == .agent, let last = merged.last, last.role == .agent {
                    merged[merged.count - 1].text += "\n" + turn.text
                    merged[merged.count - 1].actions += turn.actions
                } else {
                    merged.append(turn)
                }
            }
            turns = merged
        }

        static let personalKinds: Set<FactFinder.Kind> = [.email, .phone, .identifier, .number]

        mutating func build() -> Output {
            facts = turns.map { finder.facts(in: $0.text) }
            findValues()
            var lines: [String] = []
            if let schema = options.schemaComment { lines.append(schema) }
            lines.append("# Captured by `parley capture` from \(conversation.source).")
            lines.append(
                "# User turns are sends; each agent reply is checked by \(modeDescription). Review the checks "
                    + "before relying on them.")
            let name = options.name ?? conversation.suggestedName
            lines.append("flow: \(YAMLText.scalar(name))")
            lines.append("description: \(YAMLText.quoted("Captured from \(conversation.source)."))")
            lines.append("tags: [captured]")
            if !variables.isEmpty || conversation.personaName != nil {
                lines.append("persona:")
                lines.append("  name: \(YAMLText.scalar(conversation.personaName ?? "Captured customer"))")
                if !variables.isEmpty {
                    lines.append("  variables:")
                    for variable in variables {
                        lines.append("    \(YAMLText.key(variable.name)): \(YAMLText.scalar(variable.value))")
                    }
                }
            }
            if let scenario = conversation.scenario, scenario != Scenario() {
                lines.append("scenario:")
                for (key, value) in [
                    ("name", scenario.name), ("objective", scenario.objective), ("instructions", scenario.instructions),
                ] {
                    if let value { lines.append("  \(key): \(YAMLText.scalar(value))") }
                }
            }
            lines.append("steps:")
            var sends = 0
            var checked = 0
            var toolCount = 0
            for (index, turn) in turns.enumerated() {
                switch turn.role {
                case .user:
                    lines.append("  - send: \(YAMLText.quoted(template(turn.text, at: index)))")
                    sends += 1
                case .event:
                    lines.append("  - event: \(YAMLText.quoted(template(turn.text, at: index)))")
                case .agent:
                    lines += checks(for: turn, at: index)
                    checked += 1
                    if options.actions {
                        let tools = toolChecks(turn)
                        toolCount += tools.count
                        lines += tools
                    }
                }
            }
            if turns.isEmpty {
                // Nothing was said: the flow still opens the conversation and expects a greeting.
                lines.append("  - expect_not: { equals: \"\" }")
            }
            return Output(
                name: name, text: lines.joined(separator: "\n") + "\n", variables: variables,
                captures: captured.map(\.name), sends: sends, checkedReplies: checked, toolChecks: toolCount)
        }

        var modeDescription: String {
            switch options.expect {
            case .judge: "a judge (\"equivalent in meaning to\" the recorded reply)"
            case .keywords: "its distinctive facts (ids, amounts, dates, names)"
            case .exact: "its exact text"
            }
        }

        /// Persona variables (values the user gave that recur) and captures (values the agent gave
        /// that the user repeats).
        mutating func findValues() {
            var decided: Set<String> = []
            for (index, turn) in turns.enumerated() where turn.role == .user {
                for fact in facts[index] where Self.personalKinds.contains(fact.kind) {
                    let value = fact.text
                    guard decided.insert(value).inserted else { continue }
                    if fact.kind == .number, value.count < 4 { continue }
                    let firstAgent = turns.prefix(index).indices.first {
                        turns[$0].role == .agent && turns[$0].text.contains(value)
                    }
                    if let source = firstAgent {
                        addCapture(value, kind: fact.kind, agentTurn: source)
                        continue
                    }
                    let mentions = turns.filter { $0.text.contains(value) }.count
                    guard mentions >= 2 else { continue }
                    let name = uniqueName(
                        variableName(for: value, kind: fact.kind), suffix: fact.kind == .number ? "number" : nil)
                    variables.append(Persona.Variable(name: name, value: value))
                }
            }
        }

        mutating func addCapture(_ value: String, kind: FactFinder.Kind, agentTurn: Int) {
            let text = turns[agentTurn].text
            let general = Self.generalPattern(value, kind: kind)
            var regex = "(\(general))"
            // The general pattern must find this value first in the reply; else the word before it
            // narrows it down; else the value stays as written.
            if Self.firstMatch(regex, in: text) != value {
                guard let word = contextWord(before: value, in: text) else { return }
                regex = NSRegularExpression.escapedPattern(for: word) + "\\W+(\(general))"
                guard Self.firstMatch(regex, in: text) == value else { return }
            }
            let name = uniqueName(variableName(for: value, kind: kind), suffix: nil)
            captures[agentTurn, default: []].append((name, regex))
            captured.append((value, name, agentTurn + 1))
        }

        static func firstMatch(_ pattern: String, in text: String) -> String? {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: text)
            else { return nil }
            return String(text[range])
        }

        /// The shape of a value: digits as `\d+`, the rest as written (`T-57910` → `T-\d+`).
        static func generalPattern(_ value: String, kind: FactFinder.Kind) -> String {
            if kind == .email { return #"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"# }
            var out = ""
            var inDigits = false
            for character in value {
                if character.isNumber {
                    if !inDigits { out += #"\d+"# }
                    inDigits = true
                } else {
                    inDigits = false
                    out += NSRegularExpression.escapedPattern(for: String(character))
                }
            }
            return out
        }

        static let fillerWords: Set<String> = [
            "is", "it's", "its", "my", "the", "a", "an", "number", "no", "id", "code", "was", "for", "of", "to", "at",
            "your", "our", "with", "under", "as", "and", "or", "it", "be", "reference", "ref", "nr", "num",
        ]

        /// The closest meaningful word before `value` in any turn: `order` for "my order number is ORD-1".
        func contextWord(before value: String, in text: String? = nil) -> String? {
            let texts = text.map { [$0] } ?? turns.map(\.text)
            for candidate in texts {
                guard let range = candidate.range(of: value) else { continue }
                let words = candidate[..<range.lowerBound].split { !$0.isLetter && $0 != "'" }.map { $0.lowercased() }
                if let word = words.reversed().prefix(4).first(where: { !Self.fillerWords.contains($0) && $0.count > 1 }
                ) {
                    return word
                }
            }
            return nil
        }

        func variableName(for value: String, kind: FactFinder.Kind) -> String {
            switch kind {
            case .email: return "email"
            case .phone: return "phone"
            default:
                guard let word = contextWord(before: value) else { return kind == .number ? "number" : "id" }
                let base = String(word.filter { $0.isLetter || $0.isNumber })
                if kind == .identifier, ["ticket", "case", "id"].contains(base) { return base }
                return kind == .identifier ? base + "_id" : base
            }
        }

        mutating func uniqueName(_ base: String, suffix: String?) -> String {
            var name = base.isEmpty ? "value" : base
            if let suffix, !name.hasSuffix(suffix), name != "number" { name += "_" + suffix }
            if name.first?.isLetter != true { name = "v_" + name }
            var candidate = name
            var n = 2
            while usedNames.contains(candidate) {
                candidate = "\(name)_\(n)"
                n += 1
            }
            usedNames.insert(candidate)
            return candidate
        }

        /// What turn `index` may refer to: persona variables, and values captured before it.
        func substitutions(at index: Int) -> [Substitution] {
            var list = variables.map { Substitution(value: $0.value, placeholder: "${persona.\($0.name)}") }
            list += captured.filter { $0.from <= index }.map {
                Substitution(value: $0.value, placeholder: "${\($0.name)}")
            }
            return list.sorted { $0.value.count > $1.value.count }
        }

        /// `text` as flow-language text: literal, with known values as placeholders.
        func template(_ text: String, at index: Int) -> String {
            var segments: [(String, Bool)] = [(text, false)]
            for substitution in substitutions(at: index) {
                segments = segments.flatMap { segment, isPlaceholder -> [(String, Bool)] in
                    guard !isPlaceholder else { return [(segment, true)] }
                    let parts = segment.components(separatedBy: substitution.value)
                    var out: [(String, Bool)] = []
                    for (n, part) in parts.enumerated() {
                        if n > 0 { out.append((substitution.placeholder, true)) }
                        if !part.isEmpty { out.append((part, false)) }
                    }
                    return out
                }
            }
            return segments.map { $0.1 ? $0.0 : YAMLText.literalTemplate($0.0) }.joined()
        }

        /// The checks on agent turn `index`.
        func checks(for turn: CapturedConversation.Turn, at index: Int) -> [String] {
            let captureText = (captures[index] ?? []).map {
                "\(YAMLText.key($0.name)): \(YAMLText.quoted("/\($0.regex)/"))"
            }
            let capture = captureText.isEmpty ? "" : ", capture: { \(captureText.joined(separator: ", ")) }"
            switch options.expect {
            case .exact:
                return [
                    "  - expect: { pattern: { equals: \(YAMLText.quoted(template(turn.text, at: index))) }\(capture) }"
                ]
            case .keywords:
                let capturedValues = Set(captured.filter { $0.from == index + 1 }.map(\.value))
                var items = facts[index].map(\.text).filter { !capturedValues.contains($0) }
                if items.isEmpty, capture.isEmpty { items = finder.keywords(in: turn.text) }
                let patterns = items.map { YAMLText.quoted(template($0, at: index)) }
                if patterns.isEmpty {
                    return capture.isEmpty
                        ? ["  - expect_not: { equals: \"\" }"] : ["  - expect: { \(capture.dropFirst(2)) }"]
                }
                let pattern = patterns.count == 1 ? patterns[0] : "{ all: [\(patterns.joined(separator: ", "))] }"
                return ["  - expect: { pattern: \(pattern)\(capture) }"]
            case .judge:
                var lines = ["  - judge: [\(YAMLText.quoted(FlowCapture.equivalenceCriterion(turn.text)))]"]
                if !capture.isEmpty { lines.insert("  - expect: { \(capture.dropFirst(2)) }", at: 0) }
                return lines
            }
        }

        /// `expect_tool` for each tool the agent called on this turn; arguments that are persona
        /// variables are checked too.
        func toolChecks(_ turn: CapturedConversation.Turn) -> [String] {
            var lines: [String] = []
            var seen: Set<String> = []
            for action in turn.actions where action.kind == .toolCall {
                var arguments: [String] = []
                for variable in variables {
                    let keys = (action.arguments?.object ?? []).filter { $0.1.string == variable.value }.map(\.0)
                    arguments += keys.map { "\(YAMLText.key($0)): \(YAMLText.quoted("${persona.\(variable.name)}"))" }
                }
                let line: String
                if arguments.isEmpty {
                    line = "  - expect_tool: \(YAMLText.quoted(action.name))"
                } else {
                    line =
                        "  - expect_tool: { name: \(YAMLText.quoted(action.name)), args: { "
                        + arguments.sorted().joined(separator: ", ") + " } }"
                }
                if seen.insert(line).inserted { lines.append(line) }
            }
            return lines
        }
    }
}
