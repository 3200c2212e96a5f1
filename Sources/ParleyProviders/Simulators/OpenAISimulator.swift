import ParleyHTTP
import ParleyJSON
import ParleyFlow
import ParleyRun

/// Simulated users from an OpenAI-compatible chat-completions endpoint (`simulators:` in parley.yaml).
///
/// The system message asks the model to play the persona, followed by the persona and scenario in
/// the `PERSONA: … --- SCENARIO: …` layout. The conversation follows with roles reversed — the
/// agent's words as `user`, the simulated user's earlier messages as `assistant` — so the model
/// answers as the customer. Several choices (`candidates`, default 3) become the candidates.
public struct OpenAISimulator: UserSimulator {
    let client: OpenAIChatClient
    let timeout: Duration

    public init(client: OpenAIChatClient, timeout: Duration) {
        self.client = client
        self.timeout = timeout
    }

    public var name: String { "openai:\(client.settings.name)" }

    static let defaultInstructions = """
        You are role-playing a customer talking to a company's support agent. Stay in character as the \
        persona below and pursue the scenario's objective. Write only the customer's next message: short, \
        natural, no narration. When the objective is reached, say goodbye.
        """

    public func candidates(_ request: SimulationRequest) async throws(ProviderError) -> [String] {
        try await answer(request).candidates
    }

    public func answer(_ request: SimulationRequest) async throws(ProviderError) -> SimulatorAnswer {
        let instructions = client.settings.systemPrompt ?? Self.defaultInstructions
        var messages = [ChatMessage(role: "system", content: instructions + "\n\n" + request.context)]
        for turn in request.history {
            switch turn.role {
            case .agent: messages.append(ChatMessage(role: "user", content: turn.text))
            case .user: messages.append(ChatMessage(role: "assistant", content: turn.text))
            case .event: messages.append(ChatMessage(role: "system", content: "Event: \(turn.text)"))
            }
        }
        let completion = try await client.complete(
            messages, choices: client.settings.candidates, stream: false, timeout: timeout)
        return SimulatorAnswer(
            candidates: completion.texts.map { $0.trimmingSpaces }.filter { !$0.isEmpty }, usage: completion.usage)
    }
}
