import Foundation
import ParleyRun

/// One line of `results.jsonl`: a finished flow run in brief, enough for summaries, JUnit, reports,
/// resume, merge and diff without reading transcripts.
public struct ResultRecord: Sendable, Codable, Hashable {
    public var id: String
    public var flow: String
    public var file: String
    public var persona: String?
    public var repetition: Int
    public var target: String
    public var provider: String
    public var labels: [String]
    public var conversationTags: [String: String]
    public var outcome: Outcome
    public var failure: FailureInfo?
    public var startedAt: Date
    public var finishedAt: Date
    public var durationMs: Double
    public var turns: Int
    public var conversationId: String?
    /// The transcript's path relative to the run directory.
    public var transcript: String
    /// Agent reply latencies of the run, in turn order (milliseconds).
    public var latenciesMs: [Double]
    /// Tokens spent, by role and model, as in the transcript.
    public var usage: [TokenUsage]?
    /// What those tokens cost by the run's `pricing:`; `nil` when no priced model was used.
    public var cost: Double?
    /// Judge calls and tokens of the run, when a judge graded it.
    public var judgeUsage: JudgeUsage?

    public init(_ result: FlowRunResult, transcript: String) {
        id = result.id
        flow = result.flow
        file = result.file
        persona = result.persona
        repetition = result.repetition
        target = result.target
        provider = result.provider
        labels = result.labels
        conversationTags = result.conversationTags
        outcome = result.outcome
        failure = result.failure
        startedAt = result.startedAt
        finishedAt = result.finishedAt
        durationMs = result.durationMs
        turns = result.turns.count
        conversationId = result.conversationId
        self.transcript = transcript
        latenciesMs = result.replyLatencies
        usage = result.usage
        judgeUsage = result.judgeUsage
    }

    /// Every token the flow run spent.
    public var totalTokens: Int { usage?.reduce(0) { $0 + $1.totalTokens } ?? 0 }
}
