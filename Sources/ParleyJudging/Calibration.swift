import ParleyRun

/// How a judge agrees with people: per criterion, the agreement rate, Cohen's kappa and the
/// confusion matrix of the judge's verdicts against human verdicts.
public struct CalibrationStatistics: Sendable, Hashable {
    public var criterion: String
    /// Pairs graded by both.
    public var count: Int
    /// `matrix[judge verdict][human verdict]`: how many pairs got that combination.
    public var matrix: [Verdict: [Bool: Int]]
    /// The share of pairs where the judge's pass/fail (inconclusive counts as fail) equals the human's.
    public var agreement: Double
    /// Cohen's kappa on pass/fail; `nil` when chance agreement is total (both always said the same
    /// thing), where kappa is undefined.
    public var kappa: Double?

    /// How many pairs the judge gave `verdict` and the human `humanPassed`.
    public func cell(judge verdict: Verdict, humanPassed: Bool) -> Int { matrix[verdict]?[humanPassed] ?? 0 }
}

/// The calibration figures: one tested function each, used by `parley judge calibrate`.
public enum Calibration {
    /// One graded pair: the human's verdict (pass or fail) and the judge's.
    public struct Pair: Sendable, Hashable {
        public var criterion: String
        public var humanPassed: Bool
        public var judge: Verdict

        public init(criterion: String, humanPassed: Bool, judge: Verdict) {
            self.criterion = criterion
            self.humanPassed = humanPassed
            self.judge = judge
        }
    }

    /// Statistics per criterion, in the order criteria first appear.
    public static func statistics(_ pairs: [Pair]) -> [CalibrationStatistics] {
        var order: [String] = []
        var groups: [String: [Pair]] = [:]
        for pair in pairs {
            if groups[pair.criterion] == nil { order.append(pair.criterion) }
            groups[pair.criterion, default: []].append(pair)
        }
        return order.map { criterion in
            let group = groups[criterion] ?? []
            var matrix: [Verdict: [Bool: Int]] = [:]
            for pair in group { matrix[pair.judge, default: [:]][pair.humanPassed, default: 0] += 1 }
            let judged = group.map { (judge: $0.judge == .pass, human: $0.humanPassed) }
            return CalibrationStatistics(
                criterion: criterion, count: group.count, matrix: matrix, agreement: agreement(judged),
                kappa: kappa(judged))
        }
    }

    /// The share of pairs on which both said the same; 0 for no pairs.
    public static func agreement(_ pairs: [(judge: Bool, human: Bool)]) -> Double {
        guard !pairs.isEmpty else { return 0 }
        return Double(pairs.filter { $0.judge == $0.human }.count) / Double(pairs.count)
    }

    /// Cohen's kappa for two raters' yes/no answers: (observed − chance) / (1 − chance).
    public static func kappa(_ pairs: [(judge: Bool, human: Bool)]) -> Double? {
        guard !pairs.isEmpty else { return nil }
        let n = Double(pairs.count)
        let observed = agreement(pairs)
        let judgeYes = Double(pairs.filter(\.judge).count) / n
        let humanYes = Double(pairs.filter(\.human).count) / n
        let chance = judgeYes * humanYes + (1 - judgeYes) * (1 - humanYes)
        guard chance < 1 else { return nil }
        return (observed - chance) / (1 - chance)
    }
}
