import Foundation
import ParleyRun

extension HTMLReport {
    /// What the page's script needs to draw one transcript: a header and the turns with the steps
    /// placed among them, in the order they happened. Kept small: a report may embed thousands.
    struct TimelinePayload: Encodable {
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
        struct Item: Encodable {
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
        }

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
            // Judgments by the step that made them; the closing judge is the step after the flow's steps.
            var judgments: [Int: Judgment] = [:]
            var replyVerdicts: [Int: [CriterionVerdict]] = [:]
            let closingIndex = result.steps.last { $0.kind == .judge }?.index
            for judgment in result.judgments ?? [] {
                if let index = judgment.step ?? closingIndex { judgments[index] = judgment }
                for reply in judgment.replies { replyVerdicts[reply.turn, default: []] += reply.verdicts }
            }
            // `interleave` yields the turns in transcript order, each once: the n-th turn entry is turn n.
            var turnsSeen = 0
            items = HTMLReport.interleave(result).map { entry in
                switch entry {
                case .turn(let turn):
                    var item = Self.item(turn, start: result.startedAt)
                    if let verdicts = replyVerdicts[turnsSeen] { item.verdicts = verdicts.map(Self.row) }
                    turnsSeen += 1
                    return item
                case .step(let step):
                    var item = Self.item(step)
                    if step.kind == .judge, let judgment = judgments[step.index] {
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

    /// A turn or a step of a transcript, in display order.
    enum TimelineEntry {
        case turn(Turn)
        case step(StepResult)
    }

    /// Places each step after the turns it produced or looked at.
    ///
    /// Transcripts record turns and steps separately, and wall-clock times of the two do not line up
    /// exactly, so the order is rebuilt from what each step kind does: `send`, `event` and `recommend`
    /// add one user (or event) turn and the agent's reply; `simulate` adds simulated turns and replies;
    /// any other step that ran may have opened an agent-first conversation, so it comes after the
    /// agent's turns before it. Steps that did not run (skipped) take no turns.
    static func interleave(_ result: FlowRunResult) -> [TimelineEntry] {
        let turns = result.turns
        var entries: [TimelineEntry] = []
        entries.reserveCapacity(turns.count + result.steps.count)
        var cursor = 0
        func takeAgentTurns() {
            while cursor < turns.count, turns[cursor].role == .agent {
                entries.append(.turn(turns[cursor]))
                cursor += 1
            }
        }
        func takeOpener(simulatedOnly: Bool) {
            guard cursor < turns.count, turns[cursor].role != .agent else { return }
            if simulatedOnly && turns[cursor].simulated != true { return }
            entries.append(.turn(turns[cursor]))
            cursor += 1
        }
        for (position, step) in result.steps.enumerated() {
            guard step.status != .skipped else {
                entries.append(.step(step))
                continue
            }
            switch step.kind {
            case .send, .event:
                takeOpener(simulatedOnly: false)
                takeAgentTurns()
            case .recommend:
                takeAgentTurns()
                takeOpener(simulatedOnly: true)
                takeAgentTurns()
            case .simulate:
                takeAgentTurns()
                // Later `recommend` steps that ran each own one simulated turn; leave those to them.
                let reserved = result.steps[(position + 1)...].count { $0.kind == .recommend && $0.status != .skipped }
                var available = turns[cursor...].prefix { $0.role == .agent || $0.simulated == true }.count {
                    $0.role == .user
                }
                while available > reserved, cursor < turns.count, turns[cursor].role == .user,
                    turns[cursor].simulated == true
                {
                    takeOpener(simulatedOnly: true)
                    takeAgentTurns()
                    available -= 1
                }
            default:
                takeAgentTurns()
            }
            entries.append(.step(step))
        }
        // Anything the steps did not account for (a transcript from another version) still shows, at the end.
        while cursor < turns.count {
            entries.append(.turn(turns[cursor]))
            cursor += 1
        }
        return entries
    }
}
