import Foundation
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyRun

/// A flow run's transcript as a conversation for the terminal: who said what, simulated turns
/// marked, each step's result after the turns it produced or checked, the failing step highlighted
/// with why, latencies, what the agent reported doing, and the conversation's tags.
///
/// Returns lines rather than printing, so what `parley show` prints is tested without a terminal.
struct TranscriptRenderer {
    var styler: Styler
    /// Columns to wrap text to (a terminal's width), or `nil` to keep each line as written (pipes).
    var width: Int?

    /// Text starts after the speaker column.
    static let speakerWidth = 11
    static let textIndent = String(repeating: " ", count: 2 + speakerWidth)
    /// Steps sit under the turns, details of a failure under the step.
    static let stepIndent = "    "
    static let detailIndent = "        "

    func lines(_ result: FlowRunResult, transcript: String? = nil) -> [String] {
        var lines = header(result)
        lines.append("")
        let failedStep = result.steps.firstIndex { $0.status == .failed || $0.status == .error }
        let verdicts = TranscriptTimeline.Verdicts(result)
        // `interleave` yields the turns in transcript order, each once: the n-th turn entry is turn n.
        var turnsSeen = 0
        for entry in TranscriptTimeline.interleave(result) {
            switch entry {
            case .turn(let turn):
                lines += self.turn(turn, verdicts: verdicts.byTurn[turnsSeen] ?? [])
                turnsSeen += 1
            case .step(let step):
                lines += self.step(step)
                if step.kind == .judge, let judgment = verdicts.byStep[step.index] {
                    lines += judgment.criteria.flatMap { self.verdict($0, indent: Self.detailIndent) }
                }
                if let failedStep, result.steps[failedStep].index == step.index, let failure = result.failure {
                    lines += self.failure(failure, outcome: result.outcome, stepLocation: step.location)
                }
            }
        }
        if failedStep == nil, let failure = result.failure {
            // A failure no step carries (a transcript from another version): still shown.
            lines += self.failure(failure, outcome: result.outcome, stepLocation: nil)
        }
        lines.append("")
        if !result.conversationTags.isEmpty {
            let tags = result.conversationTags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            lines.append(styler("tags:", .bold) + "        " + tags.joined(separator: " · "))
        }
        for note in result.notes { lines.append(styler("note:", .bold) + "        " + note) }
        if result.interrupted == true { lines.append(styler("interrupted:", .yellow, .bold) + " the run was stopped") }
        if let transcript { lines.append(styler("transcript:", .dim) + "  " + transcript) }
        return lines
    }

    private func header(_ result: FlowRunResult) -> [String] {
        let outcome: String
        switch result.outcome {
        case .passed: outcome = styler("PASSED", .green, .bold)
        case .failed: outcome = styler("FAILED", .red, .bold)
        case .error: outcome = styler("ERROR", .yellow, .bold)
        }
        let name = ResultPrinter.name(result)
        var facts = [
            result.file, "\(result.target) (\(result.provider))", Timestamp.iso8601(result.startedAt),
            DurationText.format(.milliseconds(Int64(result.durationMs))),
        ]
        if let conversation = result.conversationId { facts.append("conversation \(conversation)") }
        var lines = [styler(name, .bold) + "  " + outcome]
        lines += Self.join(facts, width: width).map { styler($0, .dim) }
        if !result.labels.isEmpty { lines.append(styler("labels: " + result.labels.joined(separator: ", "), .dim)) }
        return lines
    }

    private func turn(_ turn: Turn, verdicts: [CriterionVerdict]) -> [String] {
        let speaker: String
        switch turn.role {
        case .agent: speaker = styler(pad("agent"), .cyan, .bold)
        case .user:
            speaker = turn.simulated == true ? styler(pad("sim. user"), .blue) : styler(pad("user"), .blue, .bold)
        case .event: speaker = styler(pad("event"), .magenta)
        }
        let wrapWidth = width.map { $0 - Self.textIndent.count }
        var text = TerminalText.wrap(turn.text.isEmpty ? "(no text)" : turn.text, width: wrapWidth)
        if let latency = latency(turn) {
            // After the text when it fits there, else on a line of its own.
            if let wrapWidth, text[text.count - 1].count + 2 + latency.count > wrapWidth {
                text.append(styler(latency, .dim))
            } else {
                text[text.count - 1] += "  " + styler(latency, .dim)
            }
        }
        var lines = ["  " + speaker + text[0]]
        lines += text.dropFirst().map { Self.textIndent + $0 }
        for note in annotations(turn) {
            // A hanging indent, so a wrapped note still reads as one.
            let wrapped = TerminalText.wrap(note, width: wrapWidth.map { $0 - 2 })
            lines += wrapped.enumerated().map { index, line in
                Self.textIndent + styler((index == 0 ? "↳ " : "  ") + line, .dim)
            }
        }
        for verdict in verdicts { lines += self.verdict(verdict, indent: Self.textIndent) }
        return lines
    }

    /// `pass  criterion — reasoning`, coloured by whether it counts as passed.
    private func verdict(_ verdict: CriterionVerdict, indent: String) -> [String] {
        var label = verdict.verdict.rawValue
        if verdict.verdict == .inconclusive { label += verdict.passed ? " (counts as pass)" : " (counts as fail)" }
        let text =
            "judge: \(label) — \(verdict.criterion)" + (verdict.reasoning.isEmpty ? "" : " — \(verdict.reasoning)")
        return TerminalText.wrap(text, width: width.map { $0 - indent.count }).map {
            indent + styler($0, verdict.passed ? .green : .red)
        }
    }

    /// `parts` joined with ` · `, on as many lines as `width` needs.
    static func join(_ parts: [String], width: Int?) -> [String] {
        guard let width else { return [parts.joined(separator: " · ")] }
        var lines: [String] = []
        for part in parts {
            if let last = lines.last, last.count + 3 + part.count <= width {
                lines[lines.count - 1] = last + " · " + part
            } else {
                lines.append(part)
            }
        }
        return lines
    }

    private func pad(_ speaker: String) -> String {
        speaker.padding(toLength: Self.speakerWidth, withPad: " ", startingAt: 0)
    }

    /// `312 ms` or `1.20 s`, with the first chunk's time for streamed replies.
    private func latency(_ turn: Turn) -> String? {
        guard let total = turn.latencyMs else { return nil }
        var text = TerminalText.milliseconds(total)
        // The first chunk only when the reply was streamed over a noticeable time.
        if let first = turn.timeToFirstChunkMs, TerminalText.milliseconds(first) != text {
            text += ", first chunk " + TerminalText.milliseconds(first)
        }
        return text
    }

    /// What a turn recorded besides its text: what the agent did (tool calls, state transitions,
    /// behaviours), the provider's events, the simulator's other candidates, the agent ending the
    /// conversation.
    func annotations(_ turn: Turn) -> [String] {
        var notes = (turn.actions ?? []).map(\.summary)
        for event in turn.events ?? [] {
            notes.append(event.detail.map { "\(event.kind): \($0)" } ?? event.kind)
        }
        if turn.simulated == true, let candidates = turn.candidates, candidates.count > 1 {
            notes.append("chosen from \(candidates.count) candidates")
        }
        if turn.conversationCompleted == true { notes.append("the agent ended the conversation") }
        return notes
    }

    private func step(_ step: StepResult) -> [String] {
        let mark: String
        switch step.status {
        case .passed: mark = styler("✓ " + step.kind.rawValue, .green)
        case .failed: mark = styler("✗ " + step.kind.rawValue + " FAILED", .red, .bold)
        case .error: mark = styler("! " + step.kind.rawValue + " ERROR", .yellow, .bold)
        case .skipped: mark = styler("– " + step.kind.rawValue + " (skipped)", .dim)
        }
        var line = Self.stepIndent + mark
        if let detail = step.detail, step.status == .passed { line += " — " + TerminalText.oneLine(detail) }
        if let ms = step.durationMs, ms >= 1000 { line += " " + styler("(\(TerminalText.milliseconds(ms)))", .dim) }
        let location = styler(step.location.description, .dim)
        guard let width, Styler.visibleWidth(line) + 2 + step.location.description.count > width else {
            return [line + "  " + location]
        }
        return [Styler.truncate(line, toWidth: width), Self.detailIndent + location]
    }

    private func failure(_ failure: FailureInfo, outcome: Outcome, stepLocation: SourceLocation?) -> [String] {
        let color: Console.Style = outcome == .error ? .yellow : .red
        let wrapWidth = width.map { $0 - Self.detailIndent.count }
        var message = failure.message
        if failure.location != stepLocation { message = "\(failure.location): " + message }
        if outcome == .error, let kind = failure.errorKind { message = "[\(kind)] " + message }
        var lines = TerminalText.wrap(message, width: wrapWidth).map { Self.detailIndent + styler($0, color) }
        if outcome == .failed, let expected = failure.expected {
            lines += TerminalText.wrap("expected: " + expected, width: wrapWidth).map { Self.detailIndent + $0 }
        }
        return lines
    }
}
