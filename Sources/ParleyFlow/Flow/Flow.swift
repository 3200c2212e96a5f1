/// A loaded, validated flow file: who talks to the agent, about what, and the steps to take.
public struct Flow: Sendable {
    /// Unique across a run; defaults to the file name without extension.
    public var name: String
    public var description: String?
    public var tags: [String]
    /// The file the flow was loaded from, as the user named it.
    public var file: String
    public var location: SourceLocation
    /// One entry per persona the flow runs as; a flow without personas runs once with `nil`.
    public var personas: [Persona]
    /// The scenario (`scenario:`), or every scenario of `scenarios:`: the flow runs once per persona
    /// and scenario pair.
    public var scenarios: [Scenario]
    /// True when the flow lists `scenarios:` (a matrix): each flow run's id then names its scenario.
    public var scenarioMatrix: Bool = false
    /// `cases:`: the flow runs once per row, the row's values as `${case.<column>}`.
    public var cases: CaseTable?
    public var turnTimeout: Duration
    public var timeout: Duration?
    /// A target named by the flow itself, used when the command line names none.
    public var target: String?
    /// A simulator chosen by the flow, overriding the project's.
    public var simulator: SimulatorChoice?
    /// Candidate replies for the `script` simulator, tried after the persona's own.
    public var replies: [ScriptedReply] = []
    public var steps: [Step]
    /// Environment variables (`public_env:`) whose values the flow may show: every other
    /// `${env.NAME}` the flow uses is a secret, redacted from every output.
    public var publicEnvironment: Set<String> = []
    /// The share of `--repeat` runs that must pass (`min_pass_rate:`), for agents that are allowed to
    /// fail now and then; `nil` requires every run to pass unless the command line sets a default.
    public var minPassRate: Double?
    /// The closing `judge:`, graded after every step (simulated turns included).
    public var judge: JudgeSpec?

    public static let defaultTurnTimeout: Duration = .seconds(30)

    /// The flow's only (or first) scenario; a matrix flow's runs each have their own
    /// (``FlowRunRequest/scenario``).
    public var scenario: Scenario? { scenarios.first }

    /// Flow runs one repetition of the flow makes: one per persona × scenario × row of `cases:`.
    public var runCount: Int {
        max(1, personas.count) * max(1, scenarios.count) * max(1, cases?.rows.count ?? 0)
    }

    /// The scenario called `name`, or the only one when `name` is `nil`.
    public func scenario(named name: String?) -> Scenario? {
        guard let name else { return scenarios.count == 1 ? scenarios[0] : nil }
        return scenarios.first { $0.name == name }
    }

    public init(
        name: String, description: String? = nil, tags: [String] = [], file: String, location: SourceLocation,
        personas: [Persona] = [], scenario: Scenario? = nil, turnTimeout: Duration = Flow.defaultTurnTimeout,
        timeout: Duration? = nil, target: String? = nil, simulator: SimulatorChoice? = nil, steps: [Step]
    ) {
        self.name = name
        self.description = description
        self.tags = tags
        self.file = file
        self.location = location
        self.personas = personas
        self.scenarios = scenario.map { [$0] } ?? []
        self.turnTimeout = turnTimeout
        self.timeout = timeout
        self.target = target
        self.simulator = simulator
        self.steps = steps
    }

    /// Calls `body` with every template of the flow: its steps' (included ones too) and its scripted
    /// replies', without collecting them.
    public func forEachTemplate(_ body: (Template) -> Void) {
        for step in steps { step.action.forEachTemplate(body) }
        for persona in personas { for reply in persona.replies { reply.forEachTemplate(body) } }
        for reply in replies { reply.forEachTemplate(body) }
    }

    /// The values of the `${env.NAME}` the flow uses and does not list under `public_env:`: secrets
    /// of any run of the flow, like values the configuration takes from the environment.
    public func secretEnvironmentValues(_ environment: [String: String]) -> Set<String> {
        var values: Set<String> = []
        let publicEnvironment = publicEnvironment  // so that the closure does not copy the whole flow
        forEachTemplate { template in
            for case .variable(.env(let name), _) in template.segments where !publicEnvironment.contains(name) {
                if let value = environment[name], value.count >= ConfigValues.minimumEnvironmentSecretLength {
                    values.insert(value)
                }
            }
        }
        return values
    }

    /// How the conversation opens, decided by the first step that talks to the agent.
    public var opening: OpeningKind {
        for step in steps {
            switch step.action {
            case .set, .wait: continue
            case .send: return .userFirst
            case .event: return .eventFirst
            default: return .agentFirst
            }
        }
        return .agentFirst
    }

    public enum OpeningKind: String, Sendable, Hashable {
        case agentFirst = "agent-first"
        case userFirst = "user-first"
        case eventFirst = "event-first"
    }
}

/// One step of a flow, with the place it is written (inside an included file for included steps).
public struct Step: Sendable {
    public var action: StepAction
    public var location: SourceLocation

    public init(_ action: StepAction, at location: SourceLocation) {
        self.action = action
        self.location = location
    }

    public var kind: StepKind { action.kind }
}

/// The step kinds a flow can use, by the key that introduces them.
public enum StepKind: String, Sendable, Hashable, CaseIterable {
    case send, expect
    case expectNot = "expect_not"
    case wait, set, include, end, recommend, simulate, event, tag, insights
    case expectTool = "expect_tool"
    case expectNoTool = "expect_no_tool"
    case expectState = "expect_state"
    case expectTools = "expect_tools"
    case judge
}

/// What a step does.
///
/// Indirect: a step is then two words and a location wherever it is copied, an async frame that
/// holds one while the step runs included.
public indirect enum StepAction: Sendable {
    case send(Template)
    case expect(Expectation)
    case expectNot(NegatedExpectation)
    case wait(Duration)
    case set([(name: String, value: Template)])
    case end
    case recommend(RecommendOptions)
    case simulate(SimulateOptions)
    case event(Template)
    case tag(TagChange)
    case insights(InsightsExpectation)
    case expectTool(ToolExpectation)
    case expectNoTool(NoToolExpectation)
    case expectState(StateExpectation)
    case expectTools(ToolSequenceExpectation)
    case judge(JudgeSpec)

    public var kind: StepKind {
        switch self {
        case .send: .send
        case .expect: .expect
        case .expectNot: .expectNot
        case .wait: .wait
        case .set: .set
        case .end: .end
        case .recommend: .recommend
        case .simulate: .simulate
        case .event: .event
        case .tag: .tag
        case .insights: .insights
        case .expectTool: .expectTool
        case .expectNoTool: .expectNoTool
        case .expectState: .expectState
        case .expectTools: .expectTools
        case .judge: .judge
        }
    }

    /// True for steps that check what the agent did (its tool calls and states).
    public var assertsActions: Bool {
        switch self {
        case .expectTool, .expectNoTool, .expectState, .expectTools: true
        default: false
        }
    }

    /// Calls `body` with every template of the step: what it sends, sets, and the patterns it
    /// checks with.
    public func forEachTemplate(_ body: (Template) -> Void) {
        switch self {
        case .send(let t), .event(let t): body(t)
        case .expect(let e):
            e.matcher.forEachTemplate(body)
            for capture in e.captures { body(capture.pattern.source) }
        case .expectNot(let e): e.matcher.forEachTemplate(body)
        case .set(let assignments): for assignment in assignments { body(assignment.value) }
        case .simulate(let options): options.until?.forEachTemplate(body)
        case .tag(let change): for tag in change.set { body(tag.value) }
        case .insights(let i): for matcher in [i.state, i.action, i.objective] { matcher?.forEachTemplate(body) }
        case .expectTool(let e):
            e.name.forEachTemplate(body)
            for argument in e.arguments { argument.matcher.forEachTemplate(body) }
            e.result?.forEachTemplate(body)
        case .expectNoTool(let e): e.name.forEachTemplate(body)
        case .expectState(let e): e.state.forEachTemplate(body)
        case .expectTools(let e): for matcher in e.sequence { matcher.forEachTemplate(body) }
        case .wait, .end, .recommend, .judge: break
        }
    }
}

/// An `expect` step: a matcher on the latest reply, captures into variables, a latency bound.
public struct Expectation: Sendable {
    public var matcher: Matcher
    public var captures: [Capture]
    public var within: Duration?
    /// Which of the reply's messages are matched (all of them joined, by default).
    public var message: MessageSelector

    public init(
        matcher: Matcher, captures: [Capture] = [], within: Duration? = nil, message: MessageSelector = .all
    ) {
        self.matcher = matcher
        self.captures = captures
        self.within = within
        self.message = message
    }
}

/// `expect_not`: no selected message of the latest reply may match.
public struct NegatedExpectation: Sendable {
    public var matcher: Matcher
    /// Which of the reply's messages are checked (all of them joined, by default; with `any`, each
    /// one on its own, and none may match).
    public var message: MessageSelector

    public init(matcher: Matcher, message: MessageSelector = .all) {
        self.matcher = matcher
        self.message = message
    }
}

/// Which messages of a reply of several an `expect` or `expect_not` reads (`message:`).
public enum MessageSelector: Sendable, Hashable, CustomStringConvertible {
    /// Every message, joined with newlines: the default.
    case all
    case first
    case last
    /// Passes when any one message matches; captures come from that message.
    case any
    /// The n-th message, counted from 1; negative counts from the end (-1 is the last).
    case index(Int)

    public var description: String {
        switch self {
        case .all: "all"
        case .first: "first"
        case .last: "last"
        case .any: "any"
        case .index(let n): "\(n)"
        }
    }

    /// The texts to match, in order: one for `all`, `first`, `last` and `index`, every message
    /// for `any`; empty when the reply has no such message.
    public func texts(of messages: [String]) -> [String] {
        switch self {
        case .all: return [messages.joined(separator: "\n")]
        case .first: return messages.first.map { [$0] } ?? []
        case .last: return messages.last.map { [$0] } ?? []
        case .any: return messages
        case .index(let n):
            let position = n > 0 ? n - 1 : messages.count + n
            return messages.indices.contains(position) ? [messages[position]] : []
        }
    }
}

/// `capture: { ticket: /ticket (T-\d+)/ }` stores group 1 (or the whole match) in `ticket`.
public struct Capture: Sendable {
    public var name: String
    public var pattern: RegexPattern
    public var location: SourceLocation
}

/// How a simulated reply is chosen among the candidates.
public enum PickStrategy: Sendable, Hashable, CustomStringConvertible {
    case first
    case random
    case index(Int)

    public var description: String {
        switch self {
        case .first: "first"
        case .random: "random"
        case .index(let i): "\(i)"
        }
    }
}

/// A `recommend` step: one simulated-user turn.
public struct RecommendOptions: Sendable {
    public var pick: PickStrategy
    public init(pick: PickStrategy = .first) { self.pick = pick }
}

/// A `simulate` step: simulated turns until `until` matches or the budget runs out.
public struct SimulateOptions: Sendable {
    public var until: Matcher?
    public var maxTurns: Int
    public var passOnMax: Bool
    public var pick: PickStrategy

    public init(until: Matcher?, maxTurns: Int, passOnMax: Bool = false, pick: PickStrategy = .first) {
        self.until = until
        self.maxTurns = maxTurns
        self.passOnMax = passOnMax
        self.pick = pick
    }
}

/// A `tag` step: tags to set (values are templates) and keys to remove.
public struct TagChange: Sendable {
    public var set: [(key: String, value: Template)]
    public var remove: [String]
}

/// An `insights` step: patterns on the agent's current state.
public struct InsightsExpectation: Sendable {
    public var state: Matcher?
    public var action: Matcher?
    public var objective: Matcher?
}

/// Where simulated user replies come from, as a flow or `parley.yaml` names it.
public enum SimulatorChoice: Sendable, Hashable, CustomStringConvertible {
    /// The flow's own target's recommend-responses endpoint.
    case target
    /// Candidate replies listed in the flow's personas.
    case script
    /// A name from `parley.yaml`: an entry of `simulators:` (an OpenAI-compatible endpoint) or another target.
    case named(String)

    public init(name: String) {
        switch name {
        case "target": self = .target
        case "script": self = .script
        default: self = .named(name)
        }
    }

    public var description: String {
        switch self {
        case .target: "target"
        case .script: "script"
        case .named(let n): n
        }
    }
}
