import ParleyFlow

/// One conversation with a scripted agent: a small value-type state machine.
///
/// Deterministic: the same script, seed and inputs always give the same turns. The seed only picks
/// among a `say` list's alternatives; remembered values (order numbers) decide derived ones.
public struct DemoConversation: Sendable {
    /// The script the agent follows.
    public let script: AgentScript
    /// The state the agent is in.
    public private(set) var stateName: String
    /// What the agent remembers, by name.
    public private(set) var memory: [String: String] = [:]
    /// True once the agent has ended the conversation.
    public private(set) var isCompleted = false
    /// True once the conversation has been opened (explicitly or by the first message).
    public private(set) var isOpen = false
    /// Every state entered so far, so the recommender knows which goals are reached.
    public private(set) var visited: Set<String> = []
    /// The dynamic behaviour selected most recently, if any.
    public private(set) var behavior: String?
    private var random: SeededRandom

    /// Prepares a conversation in the script's start state; nothing is said until it is opened.
    public init(script: AgentScript, seed: UInt64 = 0) {
        self.script = script
        self.stateName = script.start
        self.random = SeededRandom(seed: seed)
    }

    /// Opens the conversation and returns the agent's first words.
    public mutating func open(_ opening: DemoOpening) -> DemoTurn {
        if isOpen {
            switch opening {
            case .agentFirst: return prompt()
            case .userMessage(let text): return reply(to: text)
            case .externalEvent(let text): return event(text)
            }
        }
        isOpen = true
        visited.insert(stateName)
        switch opening {
        case .agentFirst:
            var turn = DemoTurn()
            enter(script.start, into: &turn)
            return turn
        case .userMessage(let text):
            return reply(to: text)
        case .externalEvent(let text):
            return event(text)
        }
    }

    /// The agent's answer to a user message.
    public mutating func reply(to message: String) -> DemoTurn {
        if let ended = openOrEnded() { return ended }
        let state = script.states[stateName]
        let candidates = (state?.routes ?? []) + script.routes
        var turn = DemoTurn()
        selectBehavior(for: message, into: &turn)
        if let (route, captured) = firstRoute(in: candidates, for: message) {
            take(route, captured: captured, reason: route.when?.summary ?? "always", into: &turn)
        } else {
            take(state?.fallback ?? script.fallback, captured: [:], reason: "fallback", into: &turn)
        }
        return turn
    }

    /// The agent's answer to an external event. An event no route matches gets the current
    /// state's words again (or the greeting), as if the agent had just noticed the customer.
    public mutating func event(_ text: String) -> DemoTurn {
        if let ended = openOrEnded() { return ended }
        var turn = DemoTurn()
        if let (route, captured) = firstRoute(in: script.eventRoutes, for: text) {
            take(route, captured: captured, reason: route.when?.summary ?? "always", into: &turn)
            if !turn.messages.isEmpty { return turn }
        }
        turn.messages.append(contentsOf: entryWords(of: stateName))
        if turn.messages.isEmpty { turn.messages.append(contentsOf: entryWords(of: script.start)) }
        return turn
    }

    /// The agent speaks again without new input (Amigo's `skip`): the current state's words, or the fallback.
    public mutating func prompt() -> DemoTurn {
        if !isOpen { return open(.agentFirst) }
        if isCompleted { return endedTurn }
        var turn = DemoTurn(messages: entryWords(of: stateName))
        if turn.messages.isEmpty {
            take(script.states[stateName]?.fallback ?? script.fallback, captured: [:], reason: "fallback", into: &turn)
        }
        return turn
    }

    /// The agent's current state for insights.
    public var insights: DemoInsights {
        let state = script.states[stateName]
        return DemoInsights(
            stateName: stateName, action: state?.action ?? "", objective: state?.objective ?? "", memory: memory)
    }

    // MARK: - Routes

    private var endedTurn: DemoTurn {
        DemoTurn(messages: ["This conversation has ended."], completed: true)
    }

    /// Opens silently when needed; returns the "ended" turn when there is nothing left to say.
    private mutating func openOrEnded() -> DemoTurn? {
        if !isOpen {
            isOpen = true
            visited.insert(stateName)
        }
        return isCompleted ? endedTurn : nil
    }

    /// The first route that applies to `text`, with the values its captures found.
    private func firstRoute(in routes: [AgentRoute], for text: String) -> (AgentRoute, [String: String])? {
        let scope = VariableScope(persona: nil, scenario: nil, environment: [:], locals: knownValues)
        for route in routes {
            guard route.requires.allSatisfy({ memory[$0] != nil }) else { continue }
            if let when = route.when {
                guard (try? when.matches(text, scope: scope)) == true else { continue }
            }
            var captured: [String: String] = [:]
            var complete = true
            for capture in route.captures {
                guard let groups = try? capture.pattern.compile(scope).firstMatch(in: text),
                    let value = groups.count > 1 ? groups[1] : groups.first,
                    let found = value
                else {
                    complete = false
                    break
                }
                captured[capture.name] = found
            }
            if complete { return (route, captured) }
        }
        return nil
    }

    private mutating func take(
        _ route: AgentRoute, captured: [String: String], reason: String, into turn: inout DemoTurn
    ) {
        memory.merge(captured) { _, new in new }
        if let text = pick(route.say) { turn.messages.append(text) }
        if let event = route.event { turn.events.append(DemoEvent(kind: event, state: stateName)) }
        if let next = route.goto {
            let transition = DemoTransition(from: stateName, to: next, reason: reason)
            turn.transitions.append(transition)
            turn.actions.append(.transition(transition))
            enter(next, into: &turn)
        }
    }

    /// Selects the first behaviour whose `when` matches the message: its words come first.
    private mutating func selectBehavior(for message: String, into turn: inout DemoTurn) {
        let scope = VariableScope(persona: nil, scenario: nil, environment: [:], locals: knownValues)
        guard let chosen = script.behaviors.first(where: { (try? $0.when.matches(message, scope: scope)) == true })
        else { return }
        turn.actions.append(.behavior(name: chosen.name, previous: behavior))
        behavior = chosen.name
        if let text = pick(chosen.say) { turn.messages.append(text) }
    }

    /// The tool call a state makes on entry, with its values rendered now.
    private func call(_ tool: AgentTool) -> DemoToolCall {
        DemoToolCall(
            id: tool.id, version: tool.version,
            input: tool.input.map { DemoField(name: $0.name, value: render($0.value)) },
            result: tool.result.map { DemoField(name: $0.name, value: render($0.value)) }, duration: tool.duration)
    }

    private mutating func enter(_ name: String, into turn: inout DemoTurn) {
        stateName = name
        visited.insert(name)
        guard let state = script.states[name] else { return }
        if let tool = state.tool { turn.actions.append(.tool(call(tool))) }
        if let text = pick(state.say) { turn.messages.append(text) }
        if let event = state.event { turn.events.append(DemoEvent(kind: event, state: name)) }
        if state.ends {
            isCompleted = true
            turn.completed = true
        }
    }

    /// A state's words on entry, without entering it again (no event, no ending).
    private mutating func entryWords(of name: String) -> [String] {
        guard let state = script.states[name], let text = pick(state.say) else { return [] }
        return [text]
    }

    // MARK: - Text

    /// One of the alternatives (the seed decides when there are several), rendered.
    private mutating func pick(_ alternatives: [Template]) -> String? {
        guard !alternatives.isEmpty else { return nil }
        let index = alternatives.count == 1 ? 0 : Int(random.next() % UInt64(alternatives.count))
        return render(alternatives[index])
    }

    /// Fills `${name}` from memory and derived values; an unknown name reads as "(unknown)"
    /// rather than failing, since the script checker already refused names nothing can provide.
    func render(_ template: Template) -> String {
        var out = ""
        for segment in template.segments {
            switch segment {
            case .literal(let text): out += text
            case .variable(.local(let name), _): out += value(of: name) ?? "(unknown)"
            case .variable: break
            }
        }
        return out
    }

    func value(of name: String) -> String? {
        if let remembered = memory[name] { return remembered }
        guard let derived = script.derived[name], let input = memory[derived.from] else { return nil }
        return derived.value(for: input)
    }

    /// Remembered and derived values, for patterns with placeholders.
    private var knownValues: [String: String] {
        guard !memory.isEmpty else { return [:] }
        var values = memory
        for name in script.derived.keys where values[name] == nil {
            values[name] = value(of: name)
        }
        return values
    }
}

extension DerivedValue {
    /// The value for `input`: the same input (ignoring case) always gives the same value.
    public func value(for input: String) -> String {
        var generator = SeededRandom(seed: StableHash.fnv1a(name + "\u{1F}" + input.uppercased()))
        switch rule {
        case .oneOf(let items):
            guard !items.isEmpty else { return input }
            return items[Int(generator.next() % UInt64(items.count))]
        case .format(let pattern):
            var out = ""
            for character in pattern {
                out += character == "#" ? String(generator.next() % 10) : String(character)
            }
            return out
        }
    }
}
