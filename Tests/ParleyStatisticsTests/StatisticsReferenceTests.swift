import Foundation
import Testing
@testable import ParleyStatistics

/// Parley's statistics against the reference table that scripts/check-statistics.py checks against
/// SciPy (the test command runs both), and against values worked out by hand.
@Suite struct StatisticsReferenceTests {
    struct Table: Decodable {
        struct Wilson: Decodable {
            var passed: Int
            var runs: Int
            var lower: Double
            var upper: Double
        }
        struct Fisher: Decodable {
            var base_passed: Int
            var base_runs: Int
            var candidate_passed: Int
            var candidate_runs: Int
            var p_drop: Double
            var p_rise: Double
        }
        struct PassAtK: Decodable {
            var runs: Int
            var passed: Int
            var k: Int
            var pass_at_k: Double
            var pass_hat_k: Double
        }
        var wilson: [Wilson]
        var fisher: [Fisher]
        var pass_at_k: [PassAtK]
    }

    static func table() throws -> Table {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/statistics-reference.json")
        return try JSONDecoder().decode(Table.self, from: Data(contentsOf: url))
    }

    /// Equal to 1e-9 relative (SciPy and Parley sum the same terms in different orders).
    static func close(_ a: Double?, _ b: Double) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= max(1e-12, 1e-9 * abs(b))
    }

    @Test func wilsonIntervalsMatchTheReference() throws {
        let cases = try Self.table().wilson
        #expect(cases.count >= 10)
        for row in cases {
            let interval = try #require(WilsonInterval(successes: row.passed, trials: row.runs))
            #expect(Self.close(interval.lower, row.lower), "\(row.passed)/\(row.runs): lower \(interval.lower)")
            #expect(Self.close(interval.upper, row.upper), "\(row.passed)/\(row.runs): upper \(interval.upper)")
        }
    }

    @Test func fisherPValuesMatchTheReference() throws {
        let cases = try Self.table().fisher
        #expect(cases.count >= 10)
        for row in cases {
            let test = FisherExactTest(
                basePassed: row.base_passed, baseRuns: row.base_runs, candidatePassed: row.candidate_passed,
                candidateRuns: row.candidate_runs)
            let label = "\(row.base_passed)/\(row.base_runs) → \(row.candidate_passed)/\(row.candidate_runs)"
            #expect(Self.close(test.pValueOfDrop, row.p_drop), "\(label): drop \(test.pValueOfDrop)")
            #expect(Self.close(test.pValueOfRise, row.p_rise), "\(label): rise \(test.pValueOfRise)")
        }
    }

    @Test func passAtKMatchesTheReference() throws {
        let cases = try Self.table().pass_at_k
        #expect(cases.count >= 10)
        for row in cases {
            let label = "n=\(row.runs) c=\(row.passed) k=\(row.k)"
            let at = PassAtK.atLeastOne(passed: row.passed, runs: row.runs, k: row.k)
            let all = PassAtK.all(passed: row.passed, runs: row.runs, k: row.k)
            #expect(Self.close(at, row.pass_at_k), "\(label): pass@k \(String(describing: at))")
            #expect(Self.close(all, row.pass_hat_k), "\(label): pass^k \(String(describing: all))")
        }
    }

    @Test func valuesWorkedOutByHand() throws {
        // 10/10 against 0/10: only the observed table is that extreme, 1 / C(20, 10).
        let extreme = FisherExactTest(basePassed: 10, baseRuns: 10, candidatePassed: 0, candidateRuns: 10)
        #expect(Self.close(extreme.pValueOfDrop, 1.0 / 184_756))
        #expect(extreme.pValueOfRise == 1)
        // 5/5 against 4/5: one failure in ten runs lands in the candidate half the time.
        #expect(
            Self.close(
                FisherExactTest(basePassed: 5, baseRuns: 5, candidatePassed: 4, candidateRuns: 5).pValueOfDrop, 0.5))
        // pass@1 and pass^1 are the pass rate; pass^n is 1 only when every run passed.
        #expect(Self.close(PassAtK.atLeastOne(passed: 7, runs: 10, k: 1), 0.7))
        #expect(Self.close(PassAtK.all(passed: 7, runs: 10, k: 1), 0.7))
        #expect(PassAtK.all(passed: 9, runs: 10, k: 10) == 0)
        #expect(PassAtK.all(passed: 10, runs: 10, k: 10) == 1)
        // C(7,2)/C(10,2) = 21/45.
        #expect(Self.close(PassAtK.all(passed: 7, runs: 10, k: 2), 21.0 / 45))
        // Wilson at 0/n: upper = z²/(n+z²).
        let z2 = WilsonInterval.z95 * WilsonInterval.z95
        let none = try #require(WilsonInterval(successes: 0, trials: 10))
        #expect(none.lower == 0)
        #expect(Self.close(none.upper, z2 / (10 + z2)))
    }

    @Test func impossibleCountsHaveNoValue() {
        #expect(WilsonInterval(successes: 0, trials: 0) == nil)
        #expect(WilsonInterval(successes: 4, trials: 3) == nil)
        #expect(PassAtK.atLeastOne(passed: 3, runs: 5, k: 6) == nil)
        #expect(PassAtK.all(passed: 3, runs: 5, k: 0) == nil)
        #expect(FisherExactTest(basePassed: 0, baseRuns: 0, candidatePassed: 1, candidateRuns: 1).pValueOfDrop == 1)
    }

    @Test func intervalsNarrowWithMoreRunsAndHoldTheRate() throws {
        var previousWidth = 1.0
        for runs in [4, 10, 40, 100, 1000] {
            let interval = try #require(WilsonInterval(successes: runs * 3 / 4, trials: runs))
            #expect(interval.lower <= 0.75 && 0.75 <= interval.upper)
            #expect(interval.upper - interval.lower < previousWidth)
            previousWidth = interval.upper - interval.lower
        }
    }

    @Test func percentilesAreNearestRank() throws {
        let values = (1...10).map(Double.init).reversed()
        let p = try #require(Percentiles(Array(values)))
        #expect(p.p50 == 5)
        #expect(p.p90 == 9)
        #expect(p.p99 == 10)
        #expect(Percentiles([]) == nil)
    }

    @Test func latencyChangesNeedBothTheShareAndTheFloor() {
        let rule = LatencyRule(relative: 0.2, floorMs: 50)
        #expect(rule.change(base: 100, candidate: 200) == .slower)
        #expect(rule.change(base: 12, candidate: 40) == nil)  // +233% but only 28 ms
        #expect(rule.change(base: 1000, candidate: 1150) == nil)  // 150 ms but only 15%
        #expect(rule.change(base: 1000, candidate: 700) == .faster)
    }
}
