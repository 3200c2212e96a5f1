/// `budget:` in parley.yaml: once a run has spent this much, no further flow runs start.
public struct Budget: Sendable, Hashable {
    public var maxTokens: Int?
    /// In the currency of `pricing:`; needs prices for the models used.
    public var maxCost: Double?

    public init(maxTokens: Int? = nil, maxCost: Double? = nil) {
        self.maxTokens = maxTokens
        self.maxCost = maxCost
    }
}
