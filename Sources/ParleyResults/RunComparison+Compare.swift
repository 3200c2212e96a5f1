import ParleyRun
import ParleyStatistics

extension RunComparison {
    /// Compares two runs' records flow by flow (flow name, persona, a matrix run's scenario and a table's row).
    public static func compare(
        base: [ResultRecord], candidate: [ResultRecord], thresholds: Thresholds = .standard,
        baseName: String = "base", candidateName: String = "candidate"
    ) -> RunComparison {
        let baseGroups = group(base)
        let candidateGroups = group(candidate)
        var keys = baseGroups.order
        for key in candidateGroups.order where baseGroups.records[key] == nil { keys.append(key) }

        let flows = keys.map { key -> FlowComparison in
            let before = baseGroups.records[key].map(FlowStats.init(records:))
            let after = candidateGroups.records[key].map(FlowStats.init(records:))
            let sample = candidateGroups.records[key]?.first ?? baseGroups.records[key]?.first
            return FlowComparison(
                flow: key.flow, persona: key.persona, scenario: key.scenario, caseName: key.caseName,
                file: sample?.file ?? "", base: before, candidate: after,
                changes: changes(from: before, to: after, thresholds: thresholds))
        }
        return RunComparison(
            base: RunTotals(name: baseName, records: base),
            candidate: RunTotals(name: candidateName, records: candidate),
            thresholds: thresholds, flows: sorted(flows))
    }

    /// What changed between the base's and the candidate's runs of one flow and persona (and scenario and row).
    ///
    /// When both sides ran once, any change of outcome counts. When either ran more than once, a
    /// pass-rate change (and the new failure, fix or flakiness that comes with it) counts only when
    /// Fisher's exact test finds it significant at `thresholds.alpha`; otherwise it is listed as
    /// changed, not significant. Latency follows ``LatencyRule`` either way.
    static func changes(from base: FlowStats?, to candidate: FlowStats?, thresholds: Thresholds) -> [Change] {
        guard let base else { return candidate == nil ? [] : [Change(kind: .onlyInCandidate)] }
        guard let candidate else { return [Change(kind: .onlyInBase)] }
        // Pass rates are fractions of small counts; a hair of tolerance keeps 2/3 versus 0.6667 equal.
        let epsilon = 1e-9
        let rates = (base: base.passRate, candidate: candidate.passRate)
        var test: (drop: Double, rise: Double)?
        if base.runs > 1 || candidate.runs > 1 {
            let fisher = FisherExactTest(
                basePassed: base.passed, baseRuns: base.runs, candidatePassed: candidate.passed,
                candidateRuns: candidate.runs)
            test = (fisher.pValueOfDrop, fisher.pValueOfRise)
        }
        func change(_ kind: Kind) -> Change {
            var change = Change(kind: kind, base: rates.base, candidate: rates.candidate)
            if let test {
                // A flow turning flaky, failing or dropping is tested as a drop; the rest as a rise.
                let p = kind.isRegression ? test.drop : test.rise
                change.pValue = p
                change.significant = p < thresholds.alpha
            }
            return change
        }
        var changes: [Change] = []
        if base.allPassed && !candidate.allPassed { changes.append(change(.newFailure)) }
        if !base.allPassed && candidate.allPassed { changes.append(change(.fixed)) }
        if candidate.flaky && !base.flaky { changes.append(change(.newlyFlaky)) }
        if base.flaky && !candidate.flaky { changes.append(change(.noLongerFlaky)) }
        let limit = max(0, thresholds.passRateDrop)
        if rates.base - rates.candidate > limit + epsilon {
            changes.append(change(.passRateDrop))
        } else if rates.candidate - rates.base > limit + epsilon {
            changes.append(change(.passRateRise))
        }
        if let before = base.latencyMs, let after = candidate.latencyMs {
            for (name, path) in [("p50", \RunSummary.Percentiles.p50), ("p90", \RunSummary.Percentiles.p90)] {
                let (b, c) = (before[keyPath: path], after[keyPath: path])
                guard let direction = thresholds.latencyRule.change(base: b, candidate: c) else { continue }
                changes.append(
                    Change(kind: direction == .slower ? .slower : .faster, percentile: name, base: b, candidate: c))
            }
        }
        return changes
    }

    private struct FlowKey: Hashable {
        var flow: String
        var persona: String?
        /// Only a scenario that tells the flow's runs apart (a matrix's).
        var scenario: String?
        var caseName: String?
    }

    private static func group(_ records: [ResultRecord]) -> (order: [FlowKey], records: [FlowKey: [ResultRecord]]) {
        var order: [FlowKey] = []
        var groups: [FlowKey: [ResultRecord]] = [:]
        for record in records {
            let scenario = FlowRunResult.idNamesScenario(record.id, scenario: record.scenario) ? record.scenario : nil
            let key = FlowKey(
                flow: record.flow, persona: record.persona, scenario: scenario, caseName: record.dataCase?.name)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(record)
        }
        return (order, groups)
    }

    /// Regressions, improvements, flows in one run only, then the unchanged; by name within each.
    private static func sorted(_ flows: [FlowComparison]) -> [FlowComparison] {
        func rank(_ flow: FlowComparison) -> Int {
            if flow.regressed { return 0 }
            if flow.improved { return 1 }
            if flow.changedNotSignificant { return 2 }
            if !flow.changes.isEmpty { return 3 }
            return 4
        }
        return flows.sorted { a, b in
            let (ra, rb) = (rank(a), rank(b))
            if ra != rb { return ra < rb }
            if a.flow != b.flow { return a.flow < b.flow }
            return (a.persona ?? "", a.scenario ?? "", a.caseName ?? "") < (
                b.persona ?? "", b.scenario ?? "", b.caseName ?? ""
            )
        }
    }
}
