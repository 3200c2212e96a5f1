import ParleyFlow

/// The recommender's knowledge: goals it recognises in a scenario and what the customer says.
public struct SimulatedUser: Sendable {
    /// Goals in written order; the first whose pattern matches the scenario wins.
    public var goals: [SimulatedGoal]
    /// The goal used when no goal's pattern matches.
    public var defaultGoal: String?
    /// Values a persona uses when it has none of its own (an order number...).
    public var defaults: [Persona.Variable]
    /// What the customer says once the goal is reached.
    public var goodbye: [Template]

    /// Creates a simulated user from its parts.
    public init(
        goals: [SimulatedGoal] = [], defaultGoal: String? = nil, defaults: [Persona.Variable] = [],
        goodbye: [Template] = []
    ) {
        self.goals = goals
        self.defaultGoal = defaultGoal
        self.defaults = defaults
        self.goodbye = goodbye
    }
}

/// Something a simulated customer wants: a refund, an order status, a human.
public struct SimulatedGoal: Sendable {
    /// The goal's name, as `recommend` keys use it.
    public var name: String
    /// Recognises the goal in a scenario's objective (or, failing that, its other fields).
    public var objective: Matcher?
    /// How the customer states the need.
    public var ask: [Template]
    /// States in which the goal counts as reached.
    public var reached: [String]
}
