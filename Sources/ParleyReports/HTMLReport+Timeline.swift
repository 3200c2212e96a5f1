import Foundation
import ParleyJSON
import ParleyResults
import ParleyRun

extension HTMLReport {
    /// What the page's script needs to draw one transcript: a header and the turns with the steps
    /// placed among them, in the order they happened. Kept small: a report may embed thousands.
    struct TimelinePayload: JSONRecord, Sendable {
        var conversation: String?
        var target: String?
        var opening: String?
        var started: String?
        var tags: [[String]]?
        var notes: [String]?
        /// Why the transcript could not be shown.
        var unavailable: String?
        var items: [Item] = []

        /// A turn (`role` set) or a step (`step` set).
        struct Item: JSONRecord, Sendable {
            var role: String?
            var text: String?
            var messages: [String]?
            var simulated: Bool?
            var candidates: [String]?
            var events: [String]?
            /// What the agent did while answering: `[kind, summary]` pairs, in order.
            var actions: [[String]]?
            /// A judge's verdicts on this reply (`each_reply`) or, on a judge step, on its criteria:
            /// `[verdict, criterion, reasoning]`.
            var verdicts: [[String]]?
            var latency: Double?
            var firstChunk: Double?
            /// Seconds since the flow run started.
            var at: Double?
            var completed: Bool?
            var step: String?
            var location: String?
            var status: String?
            var detail: String?
            var duration: Double?

            static let blank = Item()

            mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
                try json.optional("role", &role)
                try json.optional("text", &text)
                try json.optional("messages", &messages)
                try json.optional("simulated", &simulated)
                try json.optional("candidates", &candidates)
                try json.optional("events", &events)
                try json.optional("actions", &actions)
                try json.optional("verdicts", &verdicts)
                try json.optional("latency", &latency)
                try json.optional("first_chunk", &firstChunk)
                try json.optional("at", &at)
                try json.optional("completed", &completed)
                try json.optional("step", &step)
                try json.optional("location", &location)
                try json.optional("status", &status)
                try json.optional("detail", &detail)
                try json.optional("duration", &duration)
            }
        }

        static let blank = TimelinePayload()

        /// The members the page's script reads, in its spelling.
        mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
            try json.optional("conversation", &conversation)
            try json.optional("target", &target)
            try json.optional("opening", &opening)
            try json.optional("started", &started)
            try json.optional("tags", &tags)
            try json.optional("notes", &notes)
            try json.optional("unavailable", &unavailable)
            try json.field("items", &items)
        }

        init() {}

        init(unavailable reason: String) {
            unavailable = reason
        }

        init(_ result: FlowRunResult) {
            conversation = result.conversationId
            target = "\(result.target) (\(result.provider))"
            opening = result.opening.rawValue
            started = HTMLReport.timestamp(result.startedAt)
            let tags = result.conversationTags.sorted { $0.key < $1.key }.map { [$0.key, $0.value] }
            self.tags = tags.isEmpty ? nil : tags
            notes = result.notes.isEmpty ? nil : result.notes
            let verdicts = TranscriptTimeline.Verdicts(result)
            // `interleave` yields the turns in transcript order, each once: the n-th turn entry is turn n.
            var turnsSeen = 0
            items = TranscriptTimeline.interleave(result).map { entry in
                switch entry {
                case .turn(let turn):
                    var item = Self.item(turn, start: result.startedAt)
                    if let replies = verdicts.byTurn[turnsSeen] { item.verdicts = replies.map(Self.row) }
                    turnsSeen += 1
                    return item
                case .step(let step):
                    var item = Self.item(step)
                    if step.kind == .judge, let judgment = verdicts.byStep[step.index] {
                        item.verdicts = judgment.criteria.map(Self.row)
                    }
                    return item
                }
            }
        }

        /// `[verdict, criterion, reasoning]`; an inconclusive verdict says what it counted as.
        private static func row(_ verdict: CriterionVerdict) -> [String] {
            var label = verdict.verdict.rawValue
            if verdict.verdict == .inconclusive { label += verdict.passed ? " (counts as pass)" : " (counts as fail)" }
            return [label, verdict.criterion, verdict.reasoning]
        }

        private static func item(_ turn: Turn, start: Date) -> Item {
            var item = Item()
            item.role = turn.role.rawValue
            item.text = turn.text
            item.messages = turn.messages
            item.simulated = turn.simulated == true ? true : nil
            item.candidates = turn.candidates
            item.events = turn.events.flatMap { events in
                events.isEmpty ? nil : events.map { event in event.detail.map { "\(event.kind): \($0)" } ?? event.kind }
            }
            item.actions = turn.actions.flatMap { actions in
                actions.isEmpty ? nil : actions.map { [$0.kind.rawValue, $0.summary] }
            }
            item.latency = turn.latencyMs
            item.firstChunk = turn.timeToFirstChunkMs
            item.at = (turn.at.timeIntervalSince(start) * 1000).rounded() / 1000
            item.completed = turn.conversationCompleted
            return item
        }

        private static func item(_ step: StepResult) -> Item {
            var item = Item()
            item.step = step.kind.rawValue
            item.location = step.location.description
            item.status = step.status.rawValue
            item.detail = step.detail
            item.duration = step.durationMs
            return item
        }
    }
}
