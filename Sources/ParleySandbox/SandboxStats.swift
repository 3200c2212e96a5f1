import Synchronization

/// What a sandbox has served so far: requests per endpoint and user messages per conversation.
public struct SandboxStats: Sendable {
    /// Requests received, by endpoint (refused ones included).
    public var requests: [SandboxEndpoint: Int]
    /// User messages the agent received, by conversation or session id (Amigo conversation id,
    /// Amelia session id, AgentHuman session id). A count above what a client sent means a
    /// message was delivered twice.
    public var userMessages: [String: Int]
    /// What Amelia's webhook deliveries did.
    public var webhooks: SandboxWebhookStats

    /// Stats from their parts.
    public init(
        requests: [SandboxEndpoint: Int] = [:], userMessages: [String: Int] = [:],
        webhooks: SandboxWebhookStats = SandboxWebhookStats()
    ) {
        self.requests = requests
        self.userMessages = userMessages
        self.webhooks = webhooks
    }

    /// Requests received for one endpoint.
    public func requests(_ endpoint: SandboxEndpoint) -> Int { requests[endpoint] ?? 0 }

    /// All requests received.
    public var totalRequests: Int { requests.values.reduce(0, +) }

    /// All user messages received.
    public var totalUserMessages: Int { userMessages.values.reduce(0, +) }
}

/// Counts requests per endpoint under one short-held lock.
final class RequestCounter: Sendable {
    private let counts = Mutex([Int](repeating: 0, count: SandboxEndpoint.allCases.count))
    private static let indexes: [SandboxEndpoint: Int] = Dictionary(
        uniqueKeysWithValues: SandboxEndpoint.allCases.enumerated().map { ($1, $0) })

    func record(_ endpoint: SandboxEndpoint) {
        guard let index = Self.indexes[endpoint] else { return }
        counts.withLock { $0[index] += 1 }
    }

    var snapshot: [SandboxEndpoint: Int] {
        let values = counts.withLock { $0 }
        var result: [SandboxEndpoint: Int] = [:]
        for (index, endpoint) in SandboxEndpoint.allCases.enumerated() where values[index] > 0 {
            result[endpoint] = values[index]
        }
        return result
    }
}
