import ParleyFlow
import ParleyRun

/// Tokens and cost of a flow run or a whole run, as `summary.json`, the reports and the history show them.
public struct RunCost: Sendable, Hashable {
    public var inputTokens: Int
    public var outputTokens: Int
    /// In the currency of `pricing:`; `nil` when no model used was priced.
    public var cost: Double?
    /// Models that spent tokens but have no price, so their tokens are not in `cost`.
    public var unpricedModels: [String]?
    /// Tokens by role and model.
    public var byModel: [TokenUsage]

    public var totalTokens: Int { inputTokens + outputTokens }

    public init(inputTokens: Int, outputTokens: Int, cost: Double?, unpricedModels: [String]?, byModel: [TokenUsage]) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cost = cost
        self.unpricedModels = unpricedModels
        self.byModel = byModel
    }

    /// Totals of records (their usage, and the cost each was given when it was written).
    public init?(records: [ResultRecord], pricing: Pricing? = nil) {
        let costs = records.compactMap(\.cost)
        self.init(
            usage: TokenUsage.merged(records.compactMap(\.usage)), cost: costs.isEmpty ? nil : costs.reduce(0, +),
            pricing: pricing)
    }

    /// Totals from usage already merged by role and model and the sum of the flow runs' costs;
    /// `nil` when no tokens were reported.
    public init?(usage: [TokenUsage], cost: Double?, pricing: Pricing? = nil) {
        guard !usage.isEmpty else { return nil }
        byModel = usage
        inputTokens = usage.reduce(0) { $0 + $1.inputTokens }
        outputTokens = usage.reduce(0) { $0 + $1.outputTokens }
        self.cost = cost
        if let pricing {
            let unpriced = Set(usage.map(\.model)).filter { pricing.models[$0] == nil }.sorted()
            unpricedModels = unpriced.isEmpty ? nil : unpriced
        }
    }

    /// The cost of one flow run's usage: the sum over its priced models; `nil` when none is priced.
    public static func cost(of usage: [TokenUsage], pricing: Pricing) -> Double? {
        let priced = usage.compactMap {
            pricing.cost(model: $0.model, inputTokens: $0.inputTokens, outputTokens: $0.outputTokens)
        }
        return priced.isEmpty ? nil : priced.reduce(0, +)
    }
}
