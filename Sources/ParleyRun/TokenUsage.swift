/// Who spent tokens in a flow run: the agent under test (an OpenAI-compatible target), the
/// simulator writing the user's turns, or a judge grading the conversation.
public enum UsageRole: String, Sendable, Hashable, CaseIterable {
    case agent, simulator, judge
}

/// What one model call reported spending (OpenAI-compatible `usage`: prompt and completion tokens).
public struct ModelUsage: Sendable, Hashable {
    public var model: String
    public var inputTokens: Int
    public var outputTokens: Int

    public init(model: String, inputTokens: Int, outputTokens: Int) {
        self.model = model
        self.inputTokens = max(0, inputTokens)
        self.outputTokens = max(0, outputTokens)
    }
}

/// Tokens one role spent on one model during a flow run, over all its calls.
public struct TokenUsage: Sendable, Hashable {
    public var role: UsageRole
    public var model: String
    /// Calls that reported usage.
    public var calls: Int
    public var inputTokens: Int
    public var outputTokens: Int

    public init(role: UsageRole, model: String, calls: Int = 0, inputTokens: Int = 0, outputTokens: Int = 0) {
        self.role = role
        self.model = model
        self.calls = calls
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    public var totalTokens: Int { inputTokens + outputTokens }

    /// Adds one call's usage to `list`, into the entry of the same role and model (appended if new),
    /// so a flow run keeps one entry per role and model however many calls it made.
    public static func add(_ call: ModelUsage, role: UsageRole, to list: inout [TokenUsage]) {
        add(
            TokenUsage(
                role: role, model: call.model, calls: 1, inputTokens: call.inputTokens,
                outputTokens: call.outputTokens), to: &list)
    }

    /// Adds `entry` into the entry of `list` with the same role and model (appended if new).
    public static func add(_ entry: TokenUsage, to list: inout [TokenUsage]) {
        if let index = list.firstIndex(where: { $0.role == entry.role && $0.model == entry.model }) {
            list[index].calls += entry.calls
            list[index].inputTokens += entry.inputTokens
            list[index].outputTokens += entry.outputTokens
        } else {
            list.append(entry)
        }
    }

    /// `lists` merged entry by entry (role and model), in first-seen order.
    public static func merged<S: Sequence>(_ lists: S) -> [TokenUsage] where S.Element == [TokenUsage] {
        var out: [TokenUsage] = []
        for list in lists { for entry in list { add(entry, to: &out) } }
        return out
    }
}
