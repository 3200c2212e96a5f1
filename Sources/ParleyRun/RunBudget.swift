import ParleyFlow
import Synchronization

/// The spending of a run against `budget:`: flow runs add what they spent as they finish, and once
/// the run has spent the budget's tokens or cost, no further flow run starts.
public final class RunBudget: Sendable {
    public let limit: Budget
    private let pricing: Pricing
    private let spent: Mutex<Spent>

    /// What a run has spent so far.
    public struct Spent: Sendable, Hashable {
        public var tokens: Int
        /// In the currency of `pricing:`, over the priced models only.
        public var cost: Double
    }

    /// A budget; `alreadySpent` is what the run spent before (a resumed run's finished flow runs).
    public init(_ limit: Budget, pricing: Pricing, alreadySpent: [TokenUsage] = []) {
        self.limit = limit
        self.pricing = pricing
        self.spent = Mutex(Spent(tokens: 0, cost: 0))
        add(alreadySpent)
    }

    /// Adds a finished flow run's usage; returns whether the budget is now spent.
    @discardableResult
    public func add(_ usage: [TokenUsage]) -> Bool {
        let cost = usage.compactMap {
            pricing.cost(model: $0.model, inputTokens: $0.inputTokens, outputTokens: $0.outputTokens)
        }.reduce(0, +)
        let tokens = usage.reduce(0) { $0 + $1.totalTokens }
        return spent.withLock {
            $0.tokens += tokens
            $0.cost += cost
            return Self.isSpent($0, limit)
        }
    }

    /// What was spent so far.
    public var current: Spent { spent.withLock { $0 } }

    /// True once the tokens or the cost reached their limit.
    public var isSpent: Bool { spent.withLock { Self.isSpent($0, limit) } }

    private static func isSpent(_ spent: Spent, _ limit: Budget) -> Bool {
        if let max = limit.maxTokens, spent.tokens >= max { return true }
        if let max = limit.maxCost, spent.cost >= max { return true }
        return false
    }
}
