import ParleyFlow

/// The assertions on what the agent did: its tool calls and the states it moved into.
extension FlowExecution {
    /// The actions an assertion looks at: the latest reply's, or every turn's so far.
    mutating func actions(in scope: ActionScope, _ step: Step) async throws(StepStop) -> [AgentAction] {
        let reply = try await currentReply(step)
        switch scope {
        case .turn: return reply.actions
        case .conversation: return turns.flatMap { $0.actions ?? [] }
        }
    }

    @inline(never)
    mutating func checkTool(_ step: Step) async throws(StepStop) -> String? {
        guard case .expectTool(let expectation) = step.action else { return nil }
        let actions = try await actions(in: expectation.scope, step)
        var count = 0
        for action in actions where action.kind == .toolCall {
            if try toolMatches(action, expectation, step) { count += 1 }
        }
        let enough = count >= expectation.min && expectation.max.map { count <= $0 } ?? true
        guard enough else {
            let expected = "\(expectation.summary) \(expectation.countPhrase) \(expectation.scope.phrase)"
            throw .failed(
                FailureInfo(
                    message: "expected \(expected); found \(count)", location: step.location,
                    stepKind: step.kind.rawValue, expected: expected, actual: ActionListing.text(actions)))
        }
        return "\(count) matching tool call\(count == 1 ? "" : "s")"
    }

    @inline(never)
    mutating func checkNoTool(_ step: Step) async throws(StepStop) -> String? {
        guard case .expectNoTool(let expectation) = step.action else { return nil }
        let actions = try await actions(in: expectation.scope, step)
        for action in actions where action.kind == .toolCall {
            if try matches(expectation.name, action.name, step) {
                let expected = "no call of tool \(expectation.name.summary) \(expectation.scope.phrase)"
                throw .failed(
                    FailureInfo(
                        message: "expected \(expected); the agent called `\(action.name)`", location: step.location,
                        stepKind: step.kind.rawValue, expected: expected, actual: ActionListing.text(actions)))
            }
        }
        return nil
    }

    @inline(never)
    mutating func checkState(_ step: Step) async throws(StepStop) -> String? {
        guard case .expectState(let expectation) = step.action else { return nil }
        let actions = try await actions(in: expectation.scope, step)
        for action in actions where action.kind == .stateTransition {
            if try matches(expectation.state, action.name, step) { return "entered `\(action.name)`" }
        }
        let expected = "a transition into a state matching \(expectation.state.summary) \(expectation.scope.phrase)"
        throw .failed(
            FailureInfo(
                message: "expected \(expected)", location: step.location, stepKind: step.kind.rawValue,
                expected: expected, actual: ActionListing.text(actions)))
    }

    @inline(never)
    mutating func checkToolSequence(_ step: Step) async throws(StepStop) -> String? {
        guard case .expectTools(let expectation) = step.action else { return nil }
        let actions = try await actions(in: expectation.scope, step)
        let tools = actions.filter { $0.kind == .toolCall }
        var missing: [Matcher] = []
        if expectation.ordered {
            var position = 0
            for matcher in expectation.sequence {
                var found = false
                while position < tools.count {
                    defer { position += 1 }
                    if try matches(matcher, tools[position].name, step) {
                        found = true
                        break
                    }
                }
                if !found { missing.append(matcher) }
            }
        } else {
            for matcher in expectation.sequence {
                var found = false
                for tool in tools where try matches(matcher, tool.name, step) {
                    found = true
                    break
                }
                if !found { missing.append(matcher) }
            }
        }
        guard missing.isEmpty else {
            let list = expectation.sequence.map(\.summary).joined(separator: ", ")
            let expected =
                expectation.ordered
                ? "calls of tools \(list) in this order \(expectation.scope.phrase)"
                : "calls of tools \(list) \(expectation.scope.phrase)"
            throw .failed(
                FailureInfo(
                    message: "expected \(expected); missing \(missing.map(\.summary).joined(separator: ", "))",
                    location: step.location, stepKind: step.kind.rawValue, expected: expected,
                    actual: ActionListing.text(actions)))
        }
        return nil
    }

    private func toolMatches(_ action: AgentAction, _ expectation: ToolExpectation, _ step: Step) throws(StepStop)
        -> Bool
    {
        guard try matches(expectation.name, action.name, step) else { return false }
        for (key, matcher) in expectation.arguments {
            guard let value = action.argument(key), try matches(matcher, value, step) else { return false }
        }
        if let result = expectation.result {
            guard let text = action.result, try matches(result, text, step) else { return false }
        }
        return true
    }
}
