import ParleyFlow
/// A source of simulated user replies for `recommend` and `simulate` steps.
public protocol UserSimulator: Sendable {
    /// How the source is named in transcripts: `target`, `script`, `openai:gpt`, a target name.
    var name: String { get }
    /// Candidate next user messages, best first. An empty list is an error for the flow run.
    func candidates(_ request: SimulationRequest) async throws(ProviderError) -> [String]
    /// Lets go of anything kept for a flow run (called once when it ends).
    func release(runID: String) async
    /// The candidates with the tokens spent on them (defaults to ``candidates(_:)`` with no usage).
    func answer(_ request: SimulationRequest) async throws(ProviderError) -> SimulatorAnswer
}

/// A simulator's answer: the candidates, and the tokens its model reported spending on them.
public struct SimulatorAnswer: Sendable {
    public var candidates: [String]
    public var usage: ModelUsage?

    public init(candidates: [String], usage: ModelUsage? = nil) {
        self.candidates = candidates
        self.usage = usage
    }
}

extension UserSimulator {
    public func release(runID: String) async {}

    /// The candidates and the tokens spent on them; simulators backed by a model that reports usage
    /// implement this, the others answer with their candidates alone.
    public func answer(_ request: SimulationRequest) async throws(ProviderError) -> SimulatorAnswer {
        SimulatorAnswer(candidates: try await candidates(request))
    }
}

/// What a simulator knows when asked for the next user message.
public struct SimulationRequest: Sendable {
    /// The flow run asking, for simulators that keep state per run.
    public var runID: String
    /// The persona and scenario in Amigo's `PERSONA: … --- SCENARIO: …` layout.
    public var context: String
    public var persona: Persona?
    public var scenario: Scenario?
    /// The conversation so far.
    public var history: [Turn]
    /// The flow run's own conversation (the `target` source asks its recommend endpoint).
    public var conversation: any AgentConversation
    /// Variables of the flow run, for scripted replies with placeholders.
    public var scope: VariableScope
    /// The flow's own scripted replies (the persona's come first).
    public var flowReplies: [ScriptedReply] = []
    /// The flow's turn timeout, for conversations a simulator opens of its own (a shadow
    /// conversation on another target), whose calls it bounds.
    public var turnTimeout: Duration = Flow.defaultTurnTimeout

    public init(
        runID: String, context: String, persona: Persona?, scenario: Scenario?, history: [Turn],
        conversation: any AgentConversation, scope: VariableScope
    ) {
        self.runID = runID
        self.context = context
        self.persona = persona
        self.scenario = scenario
        self.history = history
        self.conversation = conversation
        self.scope = scope
    }

    /// The latest agent text, what scripted replies match against.
    public var lastAgentText: String? { history.last { $0.role == .agent }?.text }
}

/// Asks the flow's own target for recommended responses (Amigo's recommend_responses).
public struct TargetRecommendSimulator: UserSimulator {
    public init() {}
    public var name: String { "target" }

    public func candidates(_ request: SimulationRequest) async throws(ProviderError) -> [String] {
        try await request.conversation.recommendResponses(context: request.context)
    }
}

/// Picks replies listed in the persona and the flow (`replies: [{when: pattern, say: [...]}]`) by
/// the agent's last reply.
///
/// Entries are tried in order, the persona's before the flow's; the first whose `when` matches
/// supplies the candidates. An entry without `when` matches anything, so put it last as a fallback.
public struct ScriptSimulator: UserSimulator {
    public init() {}
    public var name: String { "script" }

    public func candidates(_ request: SimulationRequest) async throws(ProviderError) -> [String] {
        let replies = (request.persona?.replies ?? []) + request.flowReplies
        guard !replies.isEmpty else {
            throw ProviderError(.configuration, "the `script` simulator needs `replies:` in the flow or its persona")
        }
        let last = request.lastAgentText ?? ""
        for reply in replies {
            do {
                if let when = reply.when, !(try when.matches(last, scope: request.scope)) { continue }
                return try reply.say.map { (t) throws(VariableError) in try t.render(request.scope) }
            } catch {
                throw ProviderError(.configuration, "a scripted reply at \(reply.location) could not be used: \(error)")
            }
        }
        return []
    }
}

/// Builds the context text simulators receive, in Amigo's documented layout.
public enum SimulationContext {
    /// `PERSONA: Name/Background/Variables --- SCENARIO: Name/Objective/Instructions`, with Amigo's
    /// defaults for whatever the flow leaves out.
    public static func text(persona: Persona?, scenario: Scenario?) -> String {
        var lines = ["PERSONA:", "Name: \(persona?.name ?? "User")"]
        lines.append("Background: \(persona?.background ?? "A typical person seeking this service.")")
        if let variables = persona?.variables, !variables.isEmpty {
            lines.append("Variables:")
            lines += variables.map { "- \($0.name): \($0.value)" }
        }
        lines += ["---", "SCENARIO:"]
        lines.append("Name: \(scenario?.name ?? "Complete Service")")
        lines.append("Objective: \(scenario?.objective ?? "Successfully complete the service interaction.")")
        lines.append(
            "Instructions: "
                + "\(scenario?.instructions ?? "Engage naturally with the agent to achieve the service objective.")"
        )
        return lines.joined(separator: "\n")
    }
}
