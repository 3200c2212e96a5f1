/// Reading `judge:` — a flow's closing judge and `judge` steps.
extension FlowLoadSession {
    static let judgeKeys = ["criteria", "each_reply", "min_score", "judge"]

    /// `judge: [criteria]` or `judge: { criteria, each_reply, min_score, judge }`.
    func judgeSpec(_ node: YAMLNode, at location: SourceLocation) -> JudgeSpec? {
        if node.sequence != nil {
            guard let criteria = criterionList(node, for: "judge") else { return nil }
            return JudgeSpec(criteria: criteria, location: location)
        }
        guard let map = reader.mapping(node, for: "`judge`", keys: Self.judgeKeys) else { return nil }
        var ok = true
        var spec = JudgeSpec(location: location)
        if let criteriaNode = map["criteria"] {
            if let list = criterionList(criteriaNode, for: "criteria") { spec.criteria = list } else { ok = false }
        }
        if let eachNode = map["each_reply"] {
            if let list = criterionList(eachNode, for: "each_reply") { spec.eachReply = list } else { ok = false }
        }
        if let scoreNode = map["min_score"] {
            if let score = reader.double(scoreNode, for: "min_score", in: 0...1) {
                spec.minScore = score
                if !map.has("each_reply") {
                    sink.error(
                        "`min_score` applies to `each_reply`, which this judge does not have", at: scoreNode.location)
                    ok = false
                }
            } else {
                ok = false
            }
        }
        if let judgeNode = map["judge"] {
            if let name = reader.nonEmptyString(judgeNode, for: "judge") { spec.judge = name } else { ok = false }
        }
        if ok, spec.criteria.isEmpty, spec.eachReply.isEmpty {
            sink.error("`judge` needs `criteria:`, `each_reply:` or both", at: node.location)
            ok = false
        }
        return ok ? spec : nil
    }

    /// A non-empty list of criteria: each a sentence, or `{ criterion: …, inconclusive: pass }`.
    private func criterionList(_ node: YAMLNode, for what: String) -> [Criterion]? {
        guard let items = node.sequence else {
            reader.mismatch(node, for: what, expected: "a list of criteria")
            return nil
        }
        guard !items.isEmpty else {
            sink.error("`\(what)` needs at least one criterion", at: node.location)
            return nil
        }
        var criteria: [Criterion] = []
        var ok = true
        for item in items {
            if item.mapping != nil {
                guard let map = reader.mapping(item, for: "a criterion", keys: ["criterion", "inconclusive"]),
                    let text = map.require("criterion").flatMap({ reader.nonEmptyString($0, for: "criterion") })
                else {
                    ok = false
                    continue
                }
                var passes = false
                if let node = map["inconclusive"] {
                    switch reader.string(node, for: "inconclusive") {
                    case "pass": passes = true
                    case "fail": passes = false
                    case let other?:
                        sink.error("`inconclusive` must be `pass` or `fail`, not `\(other)`", at: node.location)
                        ok = false
                    case nil: ok = false
                    }
                }
                criteria.append(Criterion(text, inconclusivePasses: passes, location: item.location))
            } else if let text = reader.nonEmptyString(item, for: "a criterion") {
                criteria.append(Criterion(text, location: item.location))
            } else {
                ok = false
            }
        }
        return ok ? criteria : nil
    }
}
