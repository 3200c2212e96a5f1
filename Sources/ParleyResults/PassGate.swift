import ParleyStatistics

/// What a flow's pass rate is compared with when it has a `min_pass_rate`.
public enum PassGate: String, Sendable, Hashable, CaseIterable {
    /// The observed pass rate.
    case point
    /// The lower bound of its 95% Wilson interval: the rate is, with 95% confidence, at least that.
    case lowerBound = "lower-bound"

    /// Whether a flow with these figures reaches `minimum`.
    public func meets(_ minimum: Double, passRate: Double, interval: WilsonInterval?, runs: Int) -> Bool {
        guard runs > 0 else { return false }
        // Pass rates are fractions of small counts; a hair of tolerance keeps 9/10 ≥ 0.9.
        let epsilon = 1e-9
        switch self {
        case .point: return passRate + epsilon >= minimum
        case .lowerBound: return (interval?.lower ?? 0) + epsilon >= minimum
        }
    }
}
