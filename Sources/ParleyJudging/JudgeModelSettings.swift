/// What pins a judge model's answers: everything that goes into the verdict cache's key.
public struct JudgeModelSettings: Sendable, Hashable {
    /// The judge's name under `judges:` (not part of the cache key: renaming a judge keeps its verdicts).
    public var name: String
    public var model: String
    /// Where the model is served (its base URL).
    public var endpoint: String
    /// Default 0: the most repeatable answers a model gives.
    public var temperature: Double
    /// Sent with every call, so providers that honour it answer the same way each time.
    public var seed: Int
    public var maxTokens: Int?

    public init(
        name: String, model: String, endpoint: String, temperature: Double = 0, seed: Int = 0, maxTokens: Int? = nil
    ) {
        self.name = name
        self.model = model
        self.endpoint = endpoint
        self.temperature = temperature
        self.seed = seed
        self.maxTokens = maxTokens
    }
}
