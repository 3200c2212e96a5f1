import Foundation

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

/// `history:` in parley.yaml: where runs are recorded.
public struct HistorySettings: Sendable {
    /// `postgres://…` or a SQLite file; `nil` for the default `.parley/history.sqlite`. Resolved
    /// (`${env.…}`) by the workspace, which knows the environment.
    public var url: String?
    /// `url` as written, before `${env.…}` is resolved.
    public var urlNode: YAMLNode?
    /// False turns recording off.
    public var enabled: Bool

    public init(url: String? = nil, enabled: Bool = true) {
        self.url = url
        self.enabled = enabled
    }
}

/// The password inside a database URL (`postgres://user:password@host/db`), which must never be
/// printed.
public enum HistoryURLPassword {
    public static func password(in url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let credentials = rest[..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return nil }
        let password = String(credentials[credentials.index(after: colon)...])
        return password.isEmpty ? nil : password.removingPercentEncoding ?? password
    }
}
