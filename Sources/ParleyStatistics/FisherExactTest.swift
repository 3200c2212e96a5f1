import Foundation

/// Fisher's exact test on two pass counts: how likely a difference at least this large in one
/// direction is if both runs had the same underlying pass rate.
///
/// The 2×2 table is `[[basePassed, baseFailed], [candidatePassed, candidateFailed]]`. With the
/// margins fixed, the base's passes follow a hypergeometric distribution; the one-sided p-value of a
/// drop is the probability of the base passing at least as often as it did (SciPy:
/// `fisher_exact(table, alternative="greater")`), and of a rise, at most as often (`"less"`).
public struct FisherExactTest: Sendable, Hashable {
    public var basePassed: Int
    public var baseRuns: Int
    public var candidatePassed: Int
    public var candidateRuns: Int

    public init(basePassed: Int, baseRuns: Int, candidatePassed: Int, candidateRuns: Int) {
        self.basePassed = basePassed
        self.baseRuns = baseRuns
        self.candidatePassed = candidatePassed
        self.candidateRuns = candidateRuns
    }

    /// The one-sided p-value that the candidate's pass rate is lower than the base's; 1 when the
    /// counts make no sense (nothing to compare).
    public var pValueOfDrop: Double {
        guard let (low, high) = support else { return 1 }
        return tail(from: max(basePassed, low), to: high)
    }

    /// The one-sided p-value that the candidate's pass rate is higher than the base's.
    public var pValueOfRise: Double {
        guard let (low, high) = support else { return 1 }
        return tail(from: low, to: min(basePassed, high))
    }

    /// The smallest and largest number of base passes the margins allow.
    private var support: (Int, Int)? {
        guard baseRuns > 0, candidateRuns > 0, (0...baseRuns).contains(basePassed),
            (0...candidateRuns).contains(candidatePassed)
        else { return nil }
        let passes = basePassed + candidatePassed
        return (max(0, passes - candidateRuns), min(baseRuns, passes))
    }

    /// P(low ≤ X ≤ high) for the hypergeometric X, summed in log space so that counts in the
    /// thousands neither overflow nor underflow.
    private func tail(from low: Int, to high: Int) -> Double {
        guard low <= high else { return 0 }
        let total = baseRuns + candidateRuns
        let passes = basePassed + candidatePassed
        let denominator = Self.logChoose(total, baseRuns)
        var sum = 0.0
        for x in low...high {
            let log = Self.logChoose(passes, x) + Self.logChoose(total - passes, baseRuns - x) - denominator
            sum += exp(log)
        }
        return min(1, sum)
    }

    /// ln C(n, k).
    static func logChoose(_ n: Int, _ k: Int) -> Double {
        guard k > 0, k < n else { return 0 }
        return lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }
}
