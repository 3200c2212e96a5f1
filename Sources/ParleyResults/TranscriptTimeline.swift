import ParleyRun

/// A turn or a step of a transcript, in display order.
public enum TimelineEntry: Sendable {
    case turn(Turn)
    case step(StepResult)
}

/// A transcript's turns with its steps placed among them, for everything that shows a conversation
/// (the HTML report, `parley show`).
public enum TranscriptTimeline {
    /// Places each step after the turns it produced or looked at.
    ///
    /// Transcripts record turns and steps separately, and wall-clock times of the two do not line up
    /// exactly, so the order is rebuilt from what each step kind does: `send`, `event` and `recommend`
    /// add one user (or event) turn and the agent's reply; `simulate` adds simulated turns and replies;
    /// any other step that ran may have opened an agent-first conversation, so it comes after the
    /// agent's turns before it. Steps that did not run (skipped) take no turns.
    public static func interleave(_ result: FlowRunResult) -> [TimelineEntry] {
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

    /// A transcript's judgments placed for display: each judge step's, and the verdicts on each
    /// agent reply (`each_reply`).
    public struct Verdicts: Sendable {
        /// By the index of the `judge` step that made them; the flow's closing judge is its last
        /// `judge` step.
        public var byStep: [Int: Judgment] = [:]
        /// By the reply's index in the transcript's turns.
        public var byTurn: [Int: [CriterionVerdict]] = [:]

        public init(_ result: FlowRunResult) {
            let closingIndex = result.steps.last { $0.kind == .judge }?.index
            for judgment in result.judgments ?? [] {
                if let index = judgment.step ?? closingIndex { byStep[index] = judgment }
                for reply in judgment.replies { byTurn[reply.turn, default: []] += reply.verdicts }
            }
        }
    }
}
