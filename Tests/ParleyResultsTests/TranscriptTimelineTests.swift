import Testing
import ParleyFlow
import ParleyResults
import ParleyRun
import ParleyTestSupport

@Suite struct TranscriptTimelineTests {
    @Test func stepsAreShownAfterTheTurnsTheyProducedOrChecked() {
        var result = RunFixtures.result(outcome: .failed, latencies: [100, 200])
        // An agent-first opening checked by a first `expect`, and a skipped step after the failure.
        var opening = Turn(role: .agent, text: "Hi, how can I help?", at: RunFixtures.start)
        opening.latencyMs = 50
        result.turns.insert(opening, at: 0)
        result.steps.insert(
            StepResult(
                index: 0, kind: .expect, location: SourceLocation(file: "f", line: 1, column: 1), status: .passed),
            at: 0)
        result.steps.append(
            StepResult(index: 9, kind: .send, location: SourceLocation(file: "f", line: 9, column: 1), status: .skipped)
        )
        let order = TranscriptTimeline.interleave(result).map { entry -> String in
            switch entry {
            case .turn(let turn): turn.role.rawValue
            case .step(let step): "\(step.kind.rawValue):\(step.status.rawValue)"
            }
        }
        #expect(
            order == [
                "agent", "expect:passed", "user", "agent", "send:passed", "expect:passed",
                "user", "agent", "send:passed", "expect:failed", "send:skipped",
            ])
    }

    @Test func simulatedTurnsStayWithTheirSteps() {
        var result = RunFixtures.result(latencies: [])
        func user(_ text: String) -> Turn {
            var turn = Turn(role: .user, text: text, at: RunFixtures.start)
            turn.simulated = true
            turn.candidates = [text, "other"]
            return turn
        }
        let agent = Turn(role: .agent, text: "ok", at: RunFixtures.start)
        result.turns = [agent, user("s1"), agent, user("s2"), agent, user("r1"), agent]
        let location = SourceLocation(file: "f", line: 1, column: 1)
        result.steps = [
            StepResult(index: 0, kind: .simulate, location: location, status: .passed),
            StepResult(index: 1, kind: .recommend, location: location, status: .passed),
        ]
        let order = TranscriptTimeline.interleave(result).map { entry -> String in
            switch entry {
            case .turn(let turn): turn.role == .user ? turn.text : "agent"
            case .step(let step): step.kind.rawValue
            }
        }
        #expect(order == ["agent", "s1", "agent", "s2", "agent", "simulate", "r1", "agent", "recommend"])
    }
}
