import ParleyRun
import ParleyFlow
import ParleyJSON

/// Simulated users from another target's recommend-responses endpoint — e.g. an Amigo service
/// playing the customer for an Amelia agent.
///
/// How the conversation so far reaches it: for each flow run Parley opens a *shadow* conversation
/// on the simulator target and sends it the same user messages the real conversation got (the
/// first one opens it when the real conversation was user-first), so the shadow agent follows the
/// same path. Each request then asks the shadow's latest interaction for recommendations, with a
/// context of the persona and scenario followed by `--- CONVERSATION SO FAR:` and the real
/// transcript (`Agent: …` / `User: …` lines), so the recommender also sees what the real agent said.
/// The shadow conversation is ended when the flow run ends.
public struct MirroredTargetSimulator: UserSimulator {
    let targetName: String
    let provider: any ConversationProvider
    let shadows = ShadowConversations()

    public init(targetName: String, provider: any ConversationProvider) {
        self.targetName = targetName
        self.provider = provider
    }

    public var name: String { targetName }

    public func candidates(_ request: SimulationRequest) async throws(ProviderError) -> [String] {
        let shadow = try await shadows.shadow(for: request.runID, provider: provider, request: request)
        let users = request.history.filter { $0.role == .user }.map(\.text)
        try await shadow.mirror(users)
        let transcript = request.history.map { turn -> String in
            switch turn.role {
            case .agent: "Agent: \(turn.text)"
            case .user: "User: \(turn.text)"
            case .event: "Event: \(turn.text)"
            }
        }.joined(separator: "\n")
        return try await shadow.conversation.recommendResponses(
            context: request.context + "\n---\nCONVERSATION SO FAR:\n" + transcript)
    }

    public func release(runID: String) async {
        await shadows.close(runID)
    }
}

/// The shadow conversations of running flow runs, by flow run id.
actor ShadowConversations {
    private var shadows: [String: ShadowConversation] = [:]

    func shadow(for runID: String, provider: any ConversationProvider, request: SimulationRequest)
        async throws(ProviderError) -> ShadowConversation
    {
        if let existing = shadows[runID] { return existing }
        let context = ConversationContext(
            flowName: "simulator", persona: request.persona, scenario: request.scenario,
            turnTimeout: request.turnTimeout)
        let shadow = ShadowConversation(conversation: try await provider.makeConversation(context))
        shadows[runID] = shadow
        return shadow
    }

    func close(_ runID: String) async {
        guard let shadow = shadows.removeValue(forKey: runID) else { return }
        try? await shadow.conversation.end()
        await shadow.conversation.release()
    }
}

/// One shadow conversation and how many user messages it has been sent.
actor ShadowConversation {
    let conversation: any AgentConversation
    private var started = false
    private var mirrored = 0

    init(conversation: any AgentConversation) {
        self.conversation = conversation
    }

    /// Sends the user messages the shadow has not had yet (opening it first if needed).
    func mirror(_ userMessages: [String]) async throws(ProviderError) {
        if !started {
            started = true
            if let first = userMessages.first {
                _ = try await conversation.start(.userMessage(first))
                mirrored = 1
            } else {
                _ = try await conversation.start(.agentFirst)
            }
        }
        while mirrored < userMessages.count {
            _ = try await conversation.send(userMessages[mirrored])
            mirrored += 1
        }
    }
}
