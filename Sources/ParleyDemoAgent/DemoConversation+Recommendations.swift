import Foundation
import ParleyFlow
import ParleyYAML

extension DemoConversation {
    /// Candidate next user messages, in character for the persona and moving toward the scenario's goal.
    ///
    /// `context` uses Amigo's `PERSONA: … --- SCENARIO: …` layout; `nil` means Amigo's default persona.
    /// The goal is recognised in the scenario (a refund, an order status, a human...); the candidates
    /// state that need at the start, answer the agent's current question from the persona's
    /// variables (an order number), and say goodbye once the goal is reached. At least three are
    /// returned whenever the script provides enough lines.
    public func recommendations(context: String?) -> [String] {
        let parsed = RecommendationContext.parse(context)
        let persona = simulatedPersona(from: parsed)
        let scope = VariableScope(persona: persona, scenario: parsed.scenario, environment: [:])
        let user = script.simulatedUser
        let goal = self.goal(for: parsed)

        var lines: [Template]
        if isCompleted || goal.map(isReached) == true {
            lines = user.goodbye
        } else if !isOpen {
            lines = goal?.ask ?? []
        } else {
            let hints = script.states[stateName]?.recommend ?? [:]
            lines = (goal.flatMap { hints[$0.name] } ?? []) + (hints[AgentScript.anyGoal] ?? [])
            if lines.isEmpty { lines = goal?.ask ?? [] }
        }

        var seen = Set<String>()
        var candidates: [String] = []
        func add(_ templates: [Template]) {
            for template in templates {
                guard let text = try? template.render(scope), seen.insert(text.lowercased()).inserted else { continue }
                candidates.append(text)
            }
        }
        add(lines)
        // Too few lines for this state: restating the need still moves toward the goal.
        if candidates.count < 3, !isCompleted, let goal, !isReached(goal) { add(goal.ask) }
        return candidates
    }

    /// The goal whose pattern matches the scenario: its objective first, then its name, then its
    /// instructions; otherwise the script's default goal.
    public func goal(for context: RecommendationContext) -> SimulatedGoal? {
        let goals = script.simulatedUser.goals
        let scope = VariableScope(persona: nil, scenario: context.scenario, environment: [:])
        for field in [context.scenario.objective, context.scenario.name, context.scenario.instructions] {
            guard let field else { continue }
            if let goal = goals.first(where: { ($0.objective.flatMap { try? $0.matches(field, scope: scope) }) == true }
            ) {
                return goal
            }
        }
        if let name = script.simulatedUser.defaultGoal, let goal = goals.first(where: { $0.name == name }) {
            return goal
        }
        return goals.first
    }

    /// True once the conversation has been through one of the goal's states.
    public func isReached(_ goal: SimulatedGoal) -> Bool {
        goal.reached.contains { visited.contains($0) }
    }

    /// The persona the context describes, completed with what the recommender needs: an order
    /// number found anywhere in the context, a first name, and the script's defaults.
    func simulatedPersona(from context: RecommendationContext) -> Persona {
        var variables = context.variables
        func has(_ name: String) -> Bool { variables.contains { $0.name.lowercased() == name } }
        if !has("order_id"), let order = Self.orderNumber(in: context) {
            variables.append(Persona.Variable(name: "order_id", value: order))
        }
        let name = context.personaName ?? "User"
        if !has("first_name"), name.lowercased() != "user", let first = name.split(separator: " ").first {
            variables.append(Persona.Variable(name: "first_name", value: String(first)))
        }
        for fallback in script.simulatedUser.defaults where !has(fallback.name.lowercased()) {
            variables.append(fallback)
        }
        return Persona(
            name: name, background: context.background, variables: variables,
            location: SourceLocation(file: "<recommend context>", line: 1, column: 1))
    }

    /// An order number for the persona: a variable whose value looks like one, else the first in the text.
    static func orderNumber(in context: RecommendationContext) -> String? {
        if let variable = context.variables.first(where: { $0.name.lowercased().contains("order") }) {
            return variable.value
        }
        guard let range = context.text.range(of: #"\bORD-\d+\b"#, options: [.regularExpression, .caseInsensitive])
        else {
            return nil
        }
        return context.text[range].uppercased()
    }
}
