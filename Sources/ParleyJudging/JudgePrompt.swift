import ParleyFlow
import ParleyJSON
import ParleyRun

/// The messages a judge model receives, and the structured answer it must give.
///
/// The layout is fixed (and versioned: the version is part of every cache key, so changing the
/// wording never serves verdicts given to an older prompt). The sandbox's rule-based judge reads
/// the same layout, so keep `docs/judges.md` in step with it.
public enum JudgePrompt {
    /// Bump whenever the wording, the layout or the schema changes.
    public static let version = "parley-judge-prompt/1"

    public static let instructions = """
        You are an impartial judge of a conversation between a user and a conversational AI agent. \
        Grade ONLY the criteria listed under CRITERIA, each on its own; do not grade anything else and do \
        not suggest improvements. Base every verdict on the transcript's evidence: what the agent said and \
        the actions it reported (tool calls, state transitions, behaviours), which appear in place under the \
        reply they belong to. Trust what the agent did over what it said it did. Answer `pass` when the \
        transcript shows the criterion holds, `fail` when it shows it does not, and `inconclusive` when the \
        transcript does not show enough to decide. When a reply is marked for grading, grade only that reply \
        (the rest is context). Give one short reasoning per criterion that cites the evidence. Answer with a \
        JSON object only: {"verdicts": [{"criterion": 1, "verdict": "pass", "reasoning": "..."}]} with exactly \
        one entry per criterion, numbered as listed.
        """

    /// `[system, user]` messages for a request.
    public static func messages(_ request: JudgeRequest) -> [JudgeMessage] {
        var sections = [SimulationContext.text(persona: request.persona, scenario: request.scenario)]
        sections.append("TRANSCRIPT:\n" + transcript(request.turns))
        if let focus = request.focusTurn {
            sections.append("GRADE ONLY THIS AGENT REPLY: [\(focus + 1)]")
        }
        let criteria = request.criteria.enumerated().map { "\($0.offset + 1). \(oneLine($0.element.text))" }
        sections.append("CRITERIA:\n" + criteria.joined(separator: "\n"))
        return [
            JudgeMessage(role: "system", content: instructions),
            JudgeMessage(role: "user", content: sections.joined(separator: "\n---\n")),
        ]
    }

    /// `[n] Agent: text`, continuation lines indented, each action under its reply as
    /// `    action: tool order-lookup {…} → {…}`.
    public static func transcript(_ turns: [Turn]) -> String {
        var lines: [String] = []
        for (index, turn) in turns.enumerated() {
            let role: String
            switch turn.role {
            case .agent: role = "Agent"
            case .user: role = "User"
            case .event: role = "Event"
            }
            let text = turn.text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n    ")
            lines.append("[\(index + 1)] \(role): \(text)")
            for action in turn.actions ?? [] {
                lines.append("    action: " + oneLine(action.summary))
            }
        }
        return lines.isEmpty ? "(no turns)" : lines.joined(separator: "\n")
    }

    /// The JSON Schema of the answer (`response_format: json_schema`, strict).
    public static let schema: JSONValue = .object([
        ("type", "object"),
        (
            "properties",
            .object([
                (
                    "verdicts",
                    .object([
                        ("type", "array"),
                        (
                            "items",
                            .object([
                                ("type", "object"),
                                (
                                    "properties",
                                    .object([
                                        ("criterion", .object([("type", "integer")])),
                                        (
                                            "verdict",
                                            .object([
                                                ("type", "string"), ("enum", ["pass", "fail", "inconclusive"]),
                                            ])
                                        ),
                                        ("reasoning", .object([("type", "string")])),
                                    ])
                                ),
                                ("required", ["criterion", "verdict", "reasoning"]),
                                ("additionalProperties", false),
                            ])
                        ),
                    ])
                )
            ])
        ),
        ("required", ["verdicts"]),
        ("additionalProperties", false),
    ])

    public static let schemaName = "parley_verdicts"

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// One chat message to a judge model.
public struct JudgeMessage: Sendable, Hashable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}
