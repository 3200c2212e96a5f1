import Foundation
import ParleyFlow

/// How a flow run ended. `failed` is the agent's behaviour; `error` is Parley not completing the run.
public enum Outcome: String, Sendable, Hashable, CaseIterable {
    case passed, failed, error
}

/// How a step ended.
public enum StepStatus: String, Sendable, Hashable {
    case passed, failed, error, skipped
}

/// Everything one flow run produced: its outcome, turns and steps. Written as the transcript JSON.
///
/// What it shares with the line of `results.jsonl` is its ``header``, whose members read as its own
/// (`result.outcome`).
@dynamicMemberLookup
public struct FlowRunResult: Sendable, Hashable {
    /// Who ran, against what, and how it ended.
    public var header: FlowRunHeader
    public var opening: Flow.OpeningKind
    public var turns: [Turn]
    public var steps: [StepResult]
    /// Things worth knowing that did not change the outcome (e.g. ending the conversation failed).
    public var notes: [String]
    /// What each judge decided, in the order they graded.
    public var judgments: [Judgment]?
    /// True when the run was stopped (Ctrl-C) before it could finish; such runs are not recorded,
    /// so `--resume` runs them again.
    public var interrupted: Bool?

    public init(
        id: String, flow: String, file: String, persona: String?, repetition: Int, target: String, provider: String,
        labels: [String], conversationTags: [String: String] = [:], outcome: Outcome, failure: FailureInfo? = nil,
        startedAt: Date, finishedAt: Date, conversationId: String? = nil, opening: Flow.OpeningKind,
        turns: [Turn] = [], steps: [StepResult] = [], notes: [String] = []
    ) {
        header = FlowRunHeader(
            id: id, flow: flow, file: file, persona: persona, repetition: repetition, target: target,
            provider: provider, labels: labels, conversationTags: conversationTags, outcome: outcome,
            failure: failure, startedAt: startedAt, finishedAt: finishedAt,
            durationMs: Milliseconds.round(finishedAt.timeIntervalSince(startedAt) * 1000),
            conversationId: conversationId)
        self.opening = opening
        self.turns = turns
        self.steps = steps
        self.notes = notes
    }

    /// A member of the header, read and written as the result's own.
    public subscript<Value>(dynamicMember member: WritableKeyPath<FlowRunHeader, Value>) -> Value {
        get { header[keyPath: member] }
        set { header[keyPath: member] = newValue }
    }

    /// The stable id of a flow run: `<flow>--<persona>--<n>`, file-name safe; a matrix flow's runs add
    /// their scenario and a table's their row: `<flow>--<persona>--<scenario>--<case>--<n>`.
    public static func makeID(
        flow: String, persona: Persona?, scenario: Scenario? = nil, dataCase: CaseRow? = nil, repetition: Int
    ) -> String {
        var parts = [Slug.make(flow), persona?.slug ?? "default"]
        if let scenario { parts.append(Slug.make(scenario.name ?? "scenario")) }
        if let dataCase { parts.append(dataCase.slug) }
        return (parts + [String(repetition)]).joined(separator: "--")
    }

    /// True when a run id names its scenario (the flow lists `scenarios:`), so labels that tell runs
    /// apart should name it too; a flow's single scenario is not repeated in every label.
    public static func idNamesScenario(_ id: String, scenario: String?) -> Bool {
        guard let scenario else { return false }
        return id.contains("--\(Slug.make(scenario))--")
    }

    /// Agent reply latencies in milliseconds, in turn order.
    public var replyLatencies: [Double] { turns.compactMap(\.latencyMs) }
}

/// What the transcript of a flow run and its line in `results.jsonl` both say about it: declared
/// once, held by ``FlowRunResult`` and by the stored record.
public struct FlowRunHeader: Sendable, Hashable {
    /// `<flow>--<persona>--<n>`: unique within a run, stable across runs (used by resume, merge, diff).
    public var id: String
    public var flow: String
    public var file: String
    public var persona: String?
    /// The scenario's name, when it has one.
    public var scenario: String?
    /// The row of `cases:` the run used.
    public var dataCase: CaseReference?
    /// 1-based repetition number (`--repeat`).
    public var repetition: Int
    public var target: String
    public var provider: String
    /// The flow's labels (`tags:`).
    public var labels: [String]
    /// Conversation tags set by `tag` steps (key → value), as they stand at the end.
    public var conversationTags: [String: String]
    public var outcome: Outcome
    public var failure: FailureInfo?
    public var startedAt: Date
    public var finishedAt: Date
    public var durationMs: Double
    public var conversationId: String?
    /// Tokens spent by the agent, the simulator and judges, one entry per role and model; empty when
    /// no endpoint reported usage.
    public var usage: [TokenUsage]?
    /// Judge calls made for this flow run and the tokens they used.
    public var judgeUsage: JudgeUsage?

    public init(
        id: String, flow: String, file: String, persona: String?, repetition: Int, target: String, provider: String,
        labels: [String], conversationTags: [String: String], outcome: Outcome, failure: FailureInfo?,
        startedAt: Date, finishedAt: Date, durationMs: Double, conversationId: String?, judgeUsage: JudgeUsage? = nil
    ) {
        self.judgeUsage = judgeUsage
        self.id = id
        self.flow = flow
        self.file = file
        self.persona = persona
        self.repetition = repetition
        self.target = target
        self.provider = provider
        self.labels = labels
        self.conversationTags = conversationTags
        self.outcome = outcome
        self.failure = failure
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.conversationId = conversationId
    }
}

/// Why a flow run did not pass: the message, the flow location, what was expected and what came back.
public struct FailureInfo: Sendable, Hashable {
    public var message: String
    public var location: SourceLocation
    public var stepKind: String
    public var expected: String?
    /// The agent's reply the step looked at, if any.
    public var actual: String?
    /// For errors: what kind of problem stopped the run (`timeout`, `auth-refused`, ...).
    public var errorKind: ErrorKind?

    public init(
        message: String, location: SourceLocation, stepKind: String, expected: String? = nil, actual: String? = nil,
        errorKind: ErrorKind? = nil
    ) {
        self.errorKind = errorKind
        self.message = message
        self.location = location
        self.stepKind = stepKind
        self.expected = expected
        self.actual = actual
    }
}

/// One turn of the conversation as it happened.
public struct Turn: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable {
        case user, agent, event
    }

    public var role: Role
    public var text: String
    /// Individual agent messages when a turn had several.
    public var messages: [String]?
    public var at: Date
    public var timeToFirstChunkMs: Double?
    public var latencyMs: Double?
    public var ids: [String: String]?
    public var events: [ProviderEvent]?
    /// What the agent did while producing this reply, in order.
    public var actions: [AgentAction]?
    /// True for user turns written by a simulator.
    public var simulated: Bool?
    /// Every candidate the simulator offered, for simulated turns.
    public var candidates: [String]?
    public var conversationCompleted: Bool?

    public init(role: Role, text: String, at: Date) {
        self.role = role
        self.text = text
        self.at = at
    }

    /// An agent turn from a provider's reply.
    public init(reply: AgentReply) {
        self.role = .agent
        self.text = reply.text
        self.messages = reply.messages.count > 1 ? reply.messages : nil
        self.at = reply.sentAt.addingTimeInterval(reply.latency.seconds)
        self.timeToFirstChunkMs = reply.timeToFirstChunk.map { Milliseconds.round($0.seconds * 1000) }
        self.latencyMs = Milliseconds.round(reply.latency.seconds * 1000)
        self.ids = reply.ids.isEmpty ? nil : reply.ids
        self.events = reply.events.isEmpty ? nil : reply.events
        self.actions = reply.actions.isEmpty ? nil : reply.actions
        self.conversationCompleted = reply.conversationCompleted ? true : nil
    }
}

/// What one step did.
public struct StepResult: Sendable, Hashable {
    public var index: Int
    public var kind: StepKind
    public var location: SourceLocation
    public var status: StepStatus
    public var detail: String?
    public var durationMs: Double?

    public init(
        index: Int, kind: StepKind, location: SourceLocation, status: StepStatus, detail: String? = nil,
        durationMs: Double? = nil
    ) {
        self.index = index
        self.kind = kind
        self.location = location
        self.status = status
        self.detail = detail
        self.durationMs = durationMs.map(Milliseconds.round)
    }
}

/// Millisecond values are kept to microsecond precision: more digits are noise in a transcript.
public enum Milliseconds {
    public static func round(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }
}
