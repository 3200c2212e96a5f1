import Foundation
import ParleyFlow
import ParleyRun
import ParleyTestSupport

/// A provider for interpreter tests: the agent's replies come from a closure, and behaviours such
/// as hanging or failing are switched on per test.
struct TestProvider: ConversationProvider {
    enum Behaviour: Sendable {
        case reply(@Sendable (String?) -> [String])
        /// Never answers (for timeouts); honours cancellation.
        case hang
        /// Never answers, having said what it waits for (`TimeoutReport`); honours cancellation.
        case hangNoting(ProviderError)
        case fail(ProviderError)
        /// Answers after this long and ignores cancellation meanwhile, as a stuck call would.
        case stubborn(Duration)
        /// Learns the conversation's id, then fails (as a stream that broke after its first event).
        case failAfterID(ProviderError)
    }

    var behaviour: Behaviour
    var capabilities: ProviderCapabilities = [.agentFirst, .userFirst, .externalEvents, .recommend, .tags, .insights]
    var latency: Duration = .zero
    var candidates: [String] = ["I'd like a refund.", "Refund please.", "Can I get my money back?"]
    var completeAfter: String? = nil
    /// What the agent reports doing for each input (nil for the opening).
    var actions: @Sendable (String?) -> [AgentAction] = { _ in [] }
    var log = MessageLog()
    var replyLimit: ReplyLimit = .default
    /// How long ending takes, ignoring cancellation meanwhile.
    var endDelay: Duration = .zero

    var kind: String { "test" }

    func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        TestConversation(provider: self)
    }
}

/// Records what conversations received, for assertions.
final class MessageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []
    func append(_ s: String) {
        lock.lock()
        entries.append(s)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }
}

actor TestConversation: AgentConversation {
    let provider: TestProvider
    var tags: [String: String] = [:]
    var knownID: String?

    var conversationID: String? { knownID }

    init(provider: TestProvider) { self.provider = provider }

    func start(_ opening: ConversationOpening) async throws(ProviderError) -> AgentReply {
        switch opening {
        case .agentFirst:
            provider.log.append("start")
            return try await answer(nil)
        case .userMessage(let text):
            provider.log.append("start+user:\(text)")
            return try await answer(text)
        case .externalEvent(let text):
            provider.log.append("start+event:\(text)")
            return try await answer("event:\(text)")
        }
    }

    func send(_ text: String) async throws(ProviderError) -> AgentReply {
        provider.log.append("user:\(text)")
        return try await answer(text)
    }

    func sendEvent(_ text: String) async throws(ProviderError) -> AgentReply {
        provider.log.append("event:\(text)")
        return try await answer("event:\(text)")
    }

    func recommendResponses(context: String) async throws(ProviderError) -> [String] {
        provider.log.append("recommend")
        return provider.candidates
    }

    func updateTags(set: [String: String], remove: [String]) async throws(ProviderError) {
        let pairs = set.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        provider.log.append("tags:\(pairs.joined(separator: ","))-\(remove.joined(separator: ","))")
    }

    func insights() async throws(ProviderError) -> AgentInsights {
        AgentInsights(stateName: "refund_confirm", action: "confirm refund", objective: "Confirm the refund")
    }

    func end() async throws(ProviderError) {
        if provider.endDelay > .zero { await Self.ignoringCancellation(provider.endDelay) }
        provider.log.append("end")
    }

    /// Waits `duration` whatever happens to the waiting task.
    static func ignoringCancellation(_ duration: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + duration.seconds) { continuation.resume() }
        }
    }

    private func answer(_ input: String?) async throws(ProviderError) -> AgentReply {
        let sent = Date()
        switch provider.behaviour {
        case .hang:
            do { try await Task.sleep(for: .seconds(3600)) } catch { throw ProviderError(.cancelled, "cancelled") }
            throw ProviderError(.timeout, "unreachable")
        case .hangNoting(let error):
            TimeoutReport.note { error }
            do { try await Task.sleep(for: .seconds(3600)) } catch { throw ProviderError(.cancelled, "cancelled") }
            throw ProviderError(.timeout, "unreachable")
        case .fail(let error):
            throw error
        case .failAfterID(let error):
            knownID = "test-conversation-before-the-break"
            throw error
        case .stubborn(let duration):
            await Self.ignoringCancellation(duration)
            provider.log.append("stubborn call finished")
            return AgentReply(messages: ["late"], sentAt: sent, latency: duration)
        case .reply(let make):
            if provider.latency > .zero {
                do { try await Task.sleep(for: provider.latency) } catch {
                    throw ProviderError(.cancelled, "cancelled")
                }
            }
            let messages = make(input)
            let done = provider.completeAfter.map { marker in input?.contains(marker) == true } ?? false
            return AgentReply(
                messages: messages, sentAt: sent, latency: .seconds(Date().timeIntervalSince(sent)),
                ids: ["conversation_id": "test-conversation"], actions: provider.actions(input),
                conversationCompleted: done)
        }
    }
}

/// Runs a flow against a provider and returns the result.
func run(
    _ flow: Flow, provider: TestProvider, simulator: (any UserSimulator)? = TargetRecommendSimulator(),
    seed: UInt64 = 0,
    persona: Persona? = nil, judges: JudgePanel = JudgePanel()
) async -> FlowRunResult {
    let interpreter = FlowInterpreter(
        provider: provider, simulator: simulator, environment: ["HOME": "/root"], endTimeout: .seconds(1),
        judges: judges)
    return await interpreter.run(
        FlowRunRequest(flow: flow, persona: persona ?? flow.personas.first, targetName: "test", seed: seed))
}
