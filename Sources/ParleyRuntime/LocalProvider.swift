import Foundation
import ParleyDemoAgent
import ParleyFlow
import ParleyJSON
import ParleyProviders
import ParleyRun

/// `provider: local` — the demo agent in-process, without a network: fast engine tests and demos.
///
/// Settings: `agent:` an agent script file (default: the built-in support desk), `latency:` a delay
/// before each reply.
struct LocalProviderSpec: ProviderSpec {
    let targetName: String
    let script: AgentScript
    let latency: Duration
    var kind: String { "local" }
    var capabilities: ProviderCapabilities { LocalProvider.capabilities }

    init?(_ target: TargetConfig, values: ConfigValues) {
        guard let map = values.mapping(target, keys: ["provider", "agent", "latency"]) else { return nil }
        targetName = target.name
        latency = values.duration(map, "latency") ?? .zero
        guard let script = AgentScript.configured(map, target: target, values: values) else { return nil }
        self.script = script
    }

    func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        LocalProvider(script: script, latency: latency)
    }
}

/// Runs demo-agent conversations in this process.
public struct LocalProvider: ConversationProvider {
    public static let capabilities: ProviderCapabilities = [
        .agentFirst, .userFirst, .externalEvents, .recommend, .tags, .insights, .actions, .states,
    ]
    public let script: AgentScript
    public let latency: Duration

    public init(script: AgentScript = .supportDesk, latency: Duration = .zero) {
        self.script = script
        self.latency = latency
    }

    public var kind: String { "local" }
    public var capabilities: ProviderCapabilities { Self.capabilities }

    public func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        LocalConversation(agent: DemoConversation(script: script, seed: context.seed), latency: latency)
    }
}

/// One in-process demo conversation.
actor LocalConversation: AgentConversation {
    private var agent: DemoConversation
    private let latency: Duration
    private var tags: [String: String] = [:]
    private var turnsTaken = 0
    private let conversationID: String

    /// Nothing to give back.
    nonisolated var releasesLocally: Bool { true }

    init(agent: DemoConversation, latency: Duration) {
        self.agent = agent
        self.latency = latency
        self.conversationID = "local-" + String(UInt64.random(in: 0..<UInt64.max), radix: 16)
    }

    func start(_ opening: ConversationOpening) async throws(ProviderError) -> AgentReply {
        switch opening {
        case .agentFirst: return try await respond { $0.open(.agentFirst) }
        case .userMessage(let text): return try await respond { $0.open(.userMessage(text)) }
        case .externalEvent(let text): return try await respond { $0.open(.externalEvent(text)) }
        }
    }

    func send(_ text: String) async throws(ProviderError) -> AgentReply {
        if agent.isCompleted {
            throw ProviderError(.conversationClosed, "the conversation has already ended", status: 409)
        }
        return try await respond { $0.reply(to: text) }
    }

    func sendEvent(_ text: String) async throws(ProviderError) -> AgentReply {
        try await respond { $0.event(text) }
    }

    func recommendResponses(context: String) async throws(ProviderError) -> [String] {
        agent.recommendations(context: context)
    }

    func updateTags(set: [String: String], remove: [String]) async throws(ProviderError) {
        for (key, value) in set { tags[key] = value }
        for key in remove { tags[key] = nil }
    }

    func insights() async throws(ProviderError) -> AgentInsights {
        let i = agent.insights
        return AgentInsights(stateName: i.stateName, action: i.action, objective: i.objective)
    }

    func end() async throws(ProviderError) {}

    private func respond(_ step: (inout DemoConversation) -> DemoTurn) async throws(ProviderError) -> AgentReply {
        let sentAt = Date()
        let clock = ContinuousClock()
        let began = clock.now
        if latency > .zero {
            do { try await Task.sleep(for: latency) } catch { throw ProviderError(.cancelled, "cancelled") }
        }
        let turn = step(&agent)
        turnsTaken += 1
        return AgentReply(
            messages: turn.messages, sentAt: sentAt, latency: clock.now - began,
            ids: ["conversation_id": conversationID, "turn": String(turnsTaken)],
            events: turn.events.map { ProviderEvent(kind: $0.kind, detail: $0.state) },
            actions: turn.actions.map(AgentAction.init), conversationCompleted: turn.completed)
    }
}

extension AgentAction {
    /// What the demo agent did, as an agent action.
    init(_ action: DemoAction) {
        switch action {
        case .behavior(let name, let previous):
            self.init(kind: .dynamicBehavior, name: name, version: "1", detail: previous.map { "previously \($0)" })
        case .transition(let transition):
            self.init(kind: .stateTransition, name: transition.to, from: transition.from)
        case .tool(let call):
            self.init(
                kind: .toolCall, name: call.id, version: call.version,
                arguments: .object(call.input.map { ($0.name, .string($0.value)) }),
                result: JSONValue.object(call.result.map { ($0.name, .string($0.value)) }).serialized,
                durationMs: call.duration * 1000)
        }
    }
}

extension AgentScript {
    /// The agent script a `local` or `sandbox` target names with `agent:` (relative to its
    /// parley.yaml), or the built-in support desk; `nil` after reporting a script that does not load.
    static func configured(_ map: MappingReader, target: TargetConfig, values: ConfigValues) -> AgentScript? {
        guard let node = map["agent"], let relative = values.resolve(node, for: "agent") else { return .supportDesk }
        let base = (target.location.file as NSString).deletingLastPathComponent
        let path =
            relative.hasPrefix("/") || base.isEmpty ? relative : (base as NSString).appendingPathComponent(relative)
        return AgentScript.load(path: path, sink: values.sink)
    }
}
