extension RunComparison {
    /// Compares two runs' records flow by flow (flow name and persona).
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
                flow: key.flow, persona: key.persona, file: sample?.file ?? "", base: before, candidate: after,
                changes: changes(from: before, to: after, thresholds: thresholds))
        }
        return RunComparison(
            base: RunTotals(name: baseName, records: base),
            candidate: RunTotals(name: candidateName, records: candidate),
            thresholds: thresholds, flows: sorted(flows))
    }

    /// What changed between the base's and the candidate's runs of one flow and persona.
    static func changes(from base: FlowStats?, to candidate: FlowStats?, thresholds: Thresholds) -> [Change] {
        guard let base else { return candidate == nil ? [] : [Change(kind: .onlyInCandidate)] }
        guard let candidate else { return [Change(kind: .onlyInBase)] }
        // Pass rates are fractions of small counts; a hair of tolerance keeps 2/3 versus 0.6667 equal.
        let epsilon = 1e-9
        var changes: [Change] = []
        let rates = (base: base.passRate, candidate: candidate.passRate)
        if base.allPassed && !candidate.allPassed {
            changes.append(Change(kind: .newFailure, base: rates.base, candidate: rates.candidate))
        }
        if !base.allPassed && candidate.allPassed {
            changes.append(Change(kind: .fixed, base: rates.base, candidate: rates.candidate))
        }
        if candidate.flaky && !base.flaky {
            changes.append(Change(kind: .newlyFlaky, base: rates.base, candidate: rates.candidate))
        }
        if base.flaky && !candidate.flaky {
            changes.append(Change(kind: .noLongerFlaky, base: rates.base, candidate: rates.candidate))
        }
        let limit = max(0, thresholds.passRateDrop)
        if rates.base - rates.candidate > limit + epsilon {
            changes.append(Change(kind: .passRateDrop, base: rates.base, candidate: rates.candidate))
        } else if rates.candidate - rates.base > limit + epsilon {
            changes.append(Change(kind: .passRateRise, base: rates.base, candidate: rates.candidate))
        }
        if let before = base.latencyMs, let after = candidate.latencyMs {
            for (name, path) in [("p50", \RunSummary.Percentiles.p50), ("p90", \RunSummary.Percentiles.p90)] {
                let (b, c) = (before[keyPath: path], after[keyPath: path])
                let difference = abs(c - b)
                guard difference > max(0, thresholds.latencyFloorMs),
                    difference > b * max(0, thresholds.latencyIncrease)
                else { continue }
                changes.append(Change(kind: c > b ? .slower : .faster, percentile: name, base: b, candidate: c))
            }
        }
        return changes
    }

    private struct FlowKey: Hashable {
        var flow: String
        var persona: String?
    }

    private static func group(_ records: [ResultRecord]) -> (order: [FlowKey], records: [FlowKey: [ResultRecord]]) {
        var order: [FlowKey] = []
        var groups: [FlowKey: [ResultRecord]] = [:]
        for record in records {
            let key = FlowKey(flow: record.flow, persona: record.persona)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(record)
        }
        return (order, groups)
    }

    /// Regressions, improvements, flows in one run only, then the unchanged; by name within each.
    private static func sorted(_ flows: [FlowComparison]) -> [FlowComparison] {
        func rank(_ flow: FlowComparison) -> Int {
            if flow.regressed { return 0 }
            if flow.changes.contains(where: \.kind.isImprovement) { return 1 }
            if !flow.changes.isEmpty { return 2 }
            return 3
        }
        return flows.sorted { a, b in
            let (ra, rb) = (rank(a), rank(b))
            if ra != rb { return ra < rb }
            if a.flow != b.flow { return a.flow < b.flow }
            return (a.persona ?? "") < (b.persona ?? "")
        }
    }
}
