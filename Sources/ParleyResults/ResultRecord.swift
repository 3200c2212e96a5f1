import Foundation
import ParleyRun

/// One line of `results.jsonl`: a finished flow run in brief, enough for summaries, JUnit, reports,
/// resume, merge and diff without reading transcripts.
///
/// Its ``header`` is the transcript's, member for member; its members read as the record's own
/// (`record.outcome`).
@dynamicMemberLookup
public struct ResultRecord: Sendable, Hashable {
    /// Who ran, against what, and how it ended: the same as in the transcript.
    public var header: FlowRunHeader
    /// How many turns the conversation had.
    public var turns: Int
    /// The transcript's path relative to the run directory.
    public var transcript: String
    /// Agent reply latencies of the run, in turn order (milliseconds).
    public var latenciesMs: [Double]
    /// What the run's tokens cost by the run's `pricing:`; `nil` when no priced model was used.
    public var cost: Double?

    public init(header: FlowRunHeader, turns: Int, transcript: String, latenciesMs: [Double], cost: Double? = nil) {
        self.header = header
        self.cost = cost
        self.turns = turns
        self.transcript = transcript
        self.latenciesMs = latenciesMs
    }

    /// The record of a finished flow run whose transcript is at `transcript`.
    public init(_ result: FlowRunResult, transcript: String) {
        self.init(
            header: result.header, turns: result.turns.count, transcript: transcript,
            latenciesMs: result.replyLatencies)
    }

    /// A member of the header, read and written as the record's own.
    public subscript<Value>(dynamicMember member: WritableKeyPath<FlowRunHeader, Value>) -> Value {
        get { header[keyPath: member] }
        set { header[keyPath: member] = newValue }
    }

    /// Every token the flow run spent.
    public var totalTokens: Int { header.usage?.reduce(0) { $0 + $1.totalTokens } ?? 0 }
}
