/// `pricing:` in parley.yaml: what each model's tokens cost, per million input and output tokens,
/// in whatever currency the team budgets in.
public struct Pricing: Sendable, Hashable {
    /// The price of one model's tokens.
    public struct Price: Sendable, Hashable {
        public var inputPerMillion: Double
        public var outputPerMillion: Double

        public init(inputPerMillion: Double, outputPerMillion: Double) {
            self.inputPerMillion = inputPerMillion
            self.outputPerMillion = outputPerMillion
        }
    }

    /// Prices by model name, as the endpoints are configured (`model:`).
    public var models: [String: Price]

    public init(models: [String: Price] = [:]) {
        self.models = models
    }

    /// The cost of `inputTokens` and `outputTokens` of `model`; `nil` when the model has no price.
    /// The one function every reported cost comes from.
    public func cost(model: String, inputTokens: Int, outputTokens: Int) -> Double? {
        guard let price = models[model] else { return nil }
        return (Double(inputTokens) * price.inputPerMillion + Double(outputTokens) * price.outputPerMillion)
            / 1_000_000
    }
}
