import ParleyJudging
import ParleyRun
import Testing

@Suite struct CalibrationTests {
    func pairs(_ counts: (yesYes: Int, yesNo: Int, noYes: Int, noNo: Int)) -> [(judge: Bool, human: Bool)] {
        Array(repeating: (true, true), count: counts.yesYes) + Array(repeating: (true, false), count: counts.yesNo)
            + Array(repeating: (false, true), count: counts.noYes)
            + Array(repeating: (false, false), count: counts.noNo)
    }

    /// Cohen's kappa against published worked examples.
    @Test func kappaMatchesKnownValues() throws {
        // 50 items: 20 both yes, 5 and 10 disagreements, 15 both no: po 0.7, pe 0.5, kappa 0.4.
        #expect(abs(try #require(Calibration.kappa(pairs((20, 5, 10, 15)))) - 0.4) < 1e-12)
        // 100 items: 45/15/25/15: po 0.6, pe 0.54, kappa 0.1304.
        #expect(abs(try #require(Calibration.kappa(pairs((45, 15, 25, 15)))) - 0.130_434_782_6) < 1e-9)
        // 100 items: 25/35/5/35: po 0.6, pe 0.46, kappa 0.2593.
        #expect(abs(try #require(Calibration.kappa(pairs((25, 35, 5, 35)))) - 0.259_259_259_3) < 1e-9)
        // Perfect agreement with both classes present.
        #expect(Calibration.kappa(pairs((3, 0, 0, 7))) == 1)
        // Systematic disagreement: kappa is negative.
        #expect(Calibration.kappa(pairs((0, 5, 5, 0))) == -1)
    }

    @Test func kappaIsUndefinedWhenBothAlwaysSayTheSameThing() {
        #expect(Calibration.kappa(pairs((4, 0, 0, 0))) == nil)
        #expect(Calibration.kappa([]) == nil)
        #expect(Calibration.agreement([]) == 0)
    }

    @Test func statisticsPerCriterionWithTheConfusionMatrix() throws {
        var all: [Calibration.Pair] = []
        for (judge, human, n) in [
            (Verdict.pass, true, 20), (.pass, false, 5), (.fail, true, 7), (.inconclusive, true, 3),
            (.fail, false, 15),
        ] {
            all += Array(
                repeating: Calibration.Pair(criterion: "calls lookup", humanPassed: human, judge: judge), count: n)
        }
        all.append(Calibration.Pair(criterion: "polite", humanPassed: true, judge: .pass))
        let stats = Calibration.statistics(all)
        #expect(stats.map(\.criterion) == ["calls lookup", "polite"])
        let first = stats[0]
        #expect(first.count == 50)
        #expect(first.cell(judge: .pass, humanPassed: true) == 20)
        #expect(first.cell(judge: .pass, humanPassed: false) == 5)
        #expect(first.cell(judge: .fail, humanPassed: true) == 7)
        #expect(first.cell(judge: .inconclusive, humanPassed: true) == 3)
        #expect(first.cell(judge: .inconclusive, humanPassed: false) == 0)
        #expect(first.agreement == 0.7, "inconclusive counts as the judge saying fail")
        #expect(abs((first.kappa ?? 0) - 0.4) < 1e-12)
        #expect(first.json.serialized.contains(#""judge_inconclusive":{"human_pass":3,"human_fail":0}"#))
    }

    @Test func labelsAreReadStrictlyWithLineNumbers() {
        let text = """
            {"transcript": "t/a.json", "criterion": "calls `x`", "human": "pass"}

            {"transcript": "/abs/b.json", "criterion": "polite", "human": "fail", "reply": 3}
            {"transcript": "t/a.json", "criterion": "c", "human": "yes"}
            {"transcript": "t/a.json", "criterion": "c", "human": "pass", "judge": "pass"}
            not json
            {"transcript": "t/a.json", "criterion": "c", "human": "pass", "reply": 0}
            """
        let (labels, problems) = CalibrationLabel.parse(text, relativeTo: "labels")
        #expect(labels.map(\.transcript) == ["labels/t/a.json", "/abs/b.json"])
        #expect(labels.map(\.reply) == [nil, 3])
        #expect(labels.map(\.humanPassed) == [true, false])
        #expect(problems.map(\.0) == [4, 5, 6, 7])
        #expect(problems[0].1 == "`human` must be \"pass\" or \"fail\"")
        // The same file with Windows line ends: "\r\n" is one Character, not "\n".
        let crlf = CalibrationLabel.parse(text.replacingOccurrences(of: "\n", with: "\r\n"), relativeTo: "labels")
        #expect(crlf.labels.map(\.transcript) == labels.map(\.transcript))
        #expect(crlf.problems.map(\.0) == [4, 5, 6, 7])
    }
}
