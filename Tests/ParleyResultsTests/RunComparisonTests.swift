import Foundation
import Testing
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyRun
import ParleyTestSupport

@Suite struct RunComparisonTests {
    /// Records of one flow (and persona) with the given outcomes, one repetition each.
    func runs(
        _ outcomes: [Outcome], flow: String = "refund", persona: String? = "Dana", latencies: [Double] = [100, 100]
    ) -> [ResultRecord] {
        outcomes.enumerated().map { index, outcome in
            ResultRecord(
                RunFixtures.result(
                    flow: flow, persona: persona, repetition: index + 1, outcome: outcome, latencies: latencies),
                transcript: "transcripts/x.json")
        }
    }

    func kinds(_ base: [ResultRecord], _ candidate: [ResultRecord], _ thresholds: RunComparison.Thresholds = .standard)
        -> [RunComparison.Kind]
    {
        RunComparison.compare(base: base, candidate: candidate, thresholds: thresholds).flows.flatMap {
            $0.changes.map(\.kind)
        }
    }

    @Test(arguments: [
        // Flows that ran once: a pass becomes a failure or an error.
        ([Outcome.passed], [Outcome.failed], [RunComparison.Kind.newFailure, .passRateDrop]),
        ([.passed], [.error], [.newFailure, .passRateDrop]),
    ])
    func eachRegressionKindFailsTheComparison(base: [Outcome], candidate: [Outcome], expected: [RunComparison.Kind]) {
        let comparison = RunComparison.compare(base: runs(base), candidate: runs(candidate))
        #expect(comparison.flows.flatMap { $0.changes.map(\.kind) } == expected)
        #expect(comparison.flows.flatMap(\.changes).allSatisfy { $0.pValue == nil && $0.significant == nil })
        #expect(comparison.regressed)
        #expect(comparison.regressions.map(\.flow) == ["refund"])
    }

    @Test(arguments: [
        // Steady passes become mixed: one failure in six runs is well within chance.
        (
            [Outcome.passed, .passed, .passed], [Outcome.passed, .failed, .passed],
            [RunComparison.Kind.newFailure, .newlyFlaky, .passRateDrop], 0.5
        ),
        // Already flaky, now worse.
        ([.passed, .failed, .passed], [.failed, .failed, .passed], [.passRateDrop], 0.5),
        // Always failing, now mixed: flaky, but the pass rate rose.
        ([.failed, .failed], [.failed, .passed], [.newlyFlaky, .passRateRise], 1.0),
    ])
    func repeatedFlowsChangeWithoutSignificance(
        base: [Outcome], candidate: [Outcome], expected: [RunComparison.Kind], pDrop: Double
    ) throws {
        let comparison = RunComparison.compare(base: runs(base), candidate: runs(candidate))
        let flow = try #require(comparison.flows.first)
        #expect(flow.changes.map(\.kind) == expected)
        #expect(flow.changes.allSatisfy { $0.significant == false })
        let drop = try #require(flow.changes.first { $0.kind.isRegression })
        #expect(abs((drop.pValue ?? 0) - pDrop) < 1e-9)
        #expect(flow.changedNotSignificant)
        #expect(!comparison.regressed)
    }

    @Test func aSignificantDropOfARepeatedFlowRegresses() throws {
        let all = Array(repeating: Outcome.passed, count: 10)
        let half = Array(repeating: Outcome.passed, count: 5) + Array(repeating: Outcome.failed, count: 5)
        let comparison = RunComparison.compare(base: runs(all), candidate: runs(half))
        let flow = try #require(comparison.flows.first)
        #expect(comparison.regressed)
        let drop = try #require(flow.changes.first { $0.kind == .passRateDrop })
        // Fisher's exact test, one-sided: C(15,10)·… / C(20,10) = 0.016254… (SciPy agrees).
        #expect(abs((drop.pValue ?? 0) - 0.016_253_869_969_040_25) < 1e-12)
        #expect(drop.significant == true)
        // At α = 0.01 the same drop is no longer significant.
        let strict = RunComparison.compare(
            base: runs(all), candidate: runs(half), thresholds: .init(alpha: 0.01))
        #expect(!strict.regressed)
        #expect(strict.flows.first?.changedNotSignificant == true)
        // The other way round it is a significant improvement.
        let better = RunComparison.compare(base: runs(half), candidate: runs(all))
        #expect(better.improvements.count == 1)
        #expect(better.flows.first?.candidate?.passRateInterval?.lower ?? 0 > 0.69)
    }

    @Test func slowerRepliesBeyondBothThresholdsRegress() {
        let comparison = RunComparison.compare(
            base: runs([.passed], latencies: [100, 110]),
            candidate: runs([.passed], latencies: [300, 320]))
        let changes = comparison.flows.flatMap(\.changes)
        #expect(changes.map(\.kind) == [.slower, .slower])
        #expect(changes.map(\.percentile) == ["p50", "p90"])
        #expect(changes.first?.base == 100 && changes.first?.candidate == 300)
        #expect(comparison.regressed)
    }

    @Test(arguments: [
        ([Outcome.failed], [Outcome.passed], [RunComparison.Kind.fixed, .passRateRise]),
        ([.error, .error], [.passed, .passed], [.fixed, .passRateRise]),
        ([.passed, .failed], [.passed, .passed], [.fixed, .noLongerFlaky, .passRateRise]),
        ([.passed], [.passed], []),
        ([.failed], [.failed], []),
    ])
    func improvementsAndSteadyFlowsDoNotRegress(base: [Outcome], candidate: [Outcome], expected: [RunComparison.Kind]) {
        let comparison = RunComparison.compare(base: runs(base), candidate: runs(candidate))
        #expect(comparison.flows.flatMap { $0.changes.map(\.kind) } == expected)
        #expect(!comparison.regressed)
    }

    @Test func fasterRepliesAreAnImprovement() {
        let comparison = RunComparison.compare(
            base: runs([.passed], latencies: [900, 1000]), candidate: runs([.passed], latencies: [200, 250]))
        #expect(comparison.flows.flatMap(\.changes).map(\.kind) == [.faster, .faster])
        #expect(!comparison.regressed)
        #expect(comparison.improvements.count == 1)
    }

    @Test func thePassRateThresholdAllowsSmallDrops() {
        let base = runs([.passed, .passed, .passed, .failed])  // 75%
        let candidate = runs([.passed, .passed, .failed, .failed])  // 50%
        #expect(kinds(base, candidate) == [.passRateDrop])
        #expect(kinds(base, candidate, .init(passRateDrop: 0.25)) == [], "a drop of exactly the threshold is allowed")
        #expect(kinds(base, candidate, .init(passRateDrop: 0.2)) == [.passRateDrop])
    }

    @Test func latencyChangesMustExceedBothThePercentageAndTheFloor() {
        // +40 ms on 100 ms: 40% but under the 50 ms floor.
        #expect(kinds(runs([.passed], latencies: [100]), runs([.passed], latencies: [140])) == [])
        // +200 ms on 2 s: over the floor but only 10%.
        #expect(kinds(runs([.passed], latencies: [2000]), runs([.passed], latencies: [2200])) == [])
        // +300 ms on 1 s: 30% and over the floor; allowed with a 50% threshold.
        #expect(kinds(runs([.passed], latencies: [1000]), runs([.passed], latencies: [1300])) == [.slower, .slower])
        #expect(
            kinds(runs([.passed], latencies: [1000]), runs([.passed], latencies: [1300]), .init(latencyIncrease: 0.5))
                == [])
        #expect(
            kinds(runs([.passed], latencies: [1000]), runs([.passed], latencies: [1300]), .init(latencyFloorMs: 400))
                == [])
    }

    @Test func flowsAreMatchedByNameAndPersonaAndThoseInOneRunAreListedWithoutFailing() {
        let base =
            runs([.passed], persona: "Dana") + runs([.passed], persona: "Priya")
            + runs([.passed], flow: "retired", persona: nil)
        let candidate =
            runs([.passed], persona: "Dana") + runs([.failed], persona: "Priya")
            + runs([.passed], flow: "new", persona: nil)
        let comparison = RunComparison.compare(base: base, candidate: candidate)
        let byName = Dictionary(
            uniqueKeysWithValues: comparison.flows.map { ("\($0.flow)/\($0.persona ?? "-")", $0.changes.map(\.kind)) })
        #expect(byName["refund/Dana"] == [])
        #expect(byName["refund/Priya"] == [.newFailure, .passRateDrop])
        #expect(byName["retired/-"] == [.onlyInBase])
        #expect(byName["new/-"] == [.onlyInCandidate])
        #expect(comparison.flows.first?.persona == "Priya", "regressions come first")
        #expect(comparison.regressed)
        #expect(
            !RunComparison.compare(base: runs([.passed], flow: "retired"), candidate: runs([.passed], flow: "new"))
                .regressed)
    }

    /// Runs of a matrix flow: one per scenario and row, with the given outcomes.
    func matrix(_ outcomes: [(scenario: String, row: String, outcome: Outcome)]) -> [ResultRecord] {
        outcomes.map { scenario, row, outcome in
            var result = RunFixtures.result(flow: "matrix", persona: "Dana", outcome: outcome)
            result.id = "matrix--dana--\(scenario)--\(row)--1"
            result.scenario = scenario
            result.dataCase = CaseReference(name: row, file: "t.csv", line: 2)
            return ResultRecord(result, transcript: "transcripts/\(result.id).json")
        }
    }

    @Test func aMatrixIsComparedScenarioByScenarioAndRowByRow() throws {
        let base = matrix([("late", "a", .passed), ("late", "b", .failed), ("damaged", "a", .passed)])
        let candidate = matrix([("late", "a", .failed), ("late", "b", .passed), ("damaged", "a", .passed)])
        let comparison = RunComparison.compare(base: base, candidate: candidate)
        #expect(
            comparison.flows.map { flow in
                "\(flow.scenario ?? "-")/\(flow.caseName ?? "-") "
                    + flow.changes.map(\.kind.rawValue).joined(separator: ",")
            } == ["late/a new-failure,pass-rate-drop", "late/b fixed,pass-rate-rise", "damaged/a "])
        // One row failing and another passing is not flakiness: the runs are of different rows.
        #expect(!comparison.flows.contains { $0.base?.flaky == true || $0.candidate?.flaky == true })
        // `diff --json` names them too.
        let text = comparison.json.prettySerialized
        #expect(text.contains("\"scenario\": \"late\",\n      \"case_name\": \"a\""), "\(text)")
        #expect(try RunComparison(json: JSONValue(parsing: text)) == comparison)
    }

    @Test func theFirstCandidateFailureIsKeptForShowing() throws {
        let comparison = RunComparison.compare(base: runs([.passed, .passed]), candidate: runs([.passed, .failed]))
        let failure = try #require(comparison.flows.first?.candidate?.failure)
        #expect(failure.location.description == "flows/refund.yaml:7:5")
        #expect(comparison.flows.first?.candidate?.failureTranscript == "transcripts/x.json")
    }

    @Test func theComparisonRoundTripsThroughJSON() throws {
        let comparison = RunComparison.compare(
            base: runs([.passed, .passed]) + runs([.failed], flow: "other"),
            candidate: runs([.passed, .failed], latencies: [500, 600]) + runs([.passed], flow: "other"),
            thresholds: .init(passRateDrop: 0.1, latencyIncrease: 0.3, latencyFloorMs: 80),
            baseName: "runs/a", candidateName: "runs/b")
        let text = comparison.json.prettySerialized
        #expect(text.contains("\"kind\": \"new-failure\""))
        #expect(text.contains("\"regressed\": true"))
        #expect(text.contains("\"latency_floor_ms\": 80"))
        let decoded = try RunComparison(json: JSONValue(parsing: text))
        #expect(decoded == comparison)
        #expect(decoded.base.name == "runs/a")
    }
}
