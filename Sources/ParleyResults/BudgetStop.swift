/// Why and where a run stopped starting flow runs because of `budget:`.
public struct BudgetStop: Sendable, Hashable {
    public var maxTokens: Int?
    public var maxCost: Double?
    /// What the run had spent when it stopped starting flow runs.
    public var spentTokens: Int
    public var spentCost: Double?
    /// Flow runs planned but never started.
    public var notStarted: Int

    public init(maxTokens: Int?, maxCost: Double?, spentTokens: Int, spentCost: Double?, notStarted: Int) {
        self.maxTokens = maxTokens
        self.maxCost = maxCost
        self.spentTokens = spentTokens
        self.spentCost = spentCost
        self.notStarted = notStarted
    }
}
