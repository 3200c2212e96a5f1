import Foundation

/// A confidence interval for a pass rate: Wilson's score interval, which stays inside [0, 1] and
/// keeps its coverage for small counts and for rates near 0 or 1, where the normal approximation
/// (rate ± z·√(p(1−p)/n)) collapses to a zero-width interval.
public struct WilsonInterval: Sendable, Hashable {
    public var lower: Double
    public var upper: Double
    /// The confidence level, 0.95 unless asked otherwise.
    public var confidence: Double

    /// z for a two-sided 95% interval: the 0.975 quantile of the standard normal distribution.
    public static let z95 = 1.959_963_984_540_054

    public init(lower: Double, upper: Double, confidence: Double) {
        self.lower = lower
        self.upper = upper
        self.confidence = confidence
    }

    /// The 95% interval for `successes` out of `trials`; `nil` when there are no trials.
    public init?(successes: Int, trials: Int) {
        self.init(successes: successes, trials: trials, z: Self.z95, confidence: 0.95)
    }

    /// The interval with a given normal quantile `z` (1.96 for 95%); `nil` when there are no trials
    /// or the counts make no sense.
    public init?(successes: Int, trials: Int, z: Double, confidence: Double) {
        guard trials > 0, successes >= 0, successes <= trials, z > 0 else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        // At 0 and n successes one end is exactly 0 or 1; rounding must not nudge it past.
        lower = successes == 0 ? 0 : max(0, center - half)
        upper = successes == trials ? 1 : min(1, center + half)
        self.confidence = confidence
    }
}
