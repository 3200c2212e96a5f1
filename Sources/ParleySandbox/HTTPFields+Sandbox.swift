import HTTPTypes

// Constant names that are valid HTTP tokens, so creating them cannot fail.
extension HTTPField.Name {
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
    static let ameliaToken = HTTPField.Name("X-Amelia-Rest-Token")!
    static let apiKey = HTTPField.Name("x-api-key")!
}

extension HTTPFields {
    /// The `X-RateLimit-*` headers of a decision.
    init(rateLimit decision: RateLimiter.Decision) {
        self.init()
        self[.rateLimitLimit] = String(decision.limit)
        self[.rateLimitRemaining] = String(decision.remaining)
        self[.rateLimitReset] = String(decision.reset)
        if !decision.allowed { self[.retryAfter] = String(decision.retryAfter) }
    }
}
