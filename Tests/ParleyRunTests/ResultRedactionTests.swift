import Foundation
import ParleyFlow
import ParleyJSON
import ParleyTestSupport
import Testing

import ParleyRun

/// A result's secrets are taken out of every text it holds, and a result without any is left as it is.
@Suite struct ResultRedactionTests {
    static let secret = "tok-7Hq2Zx9Lw"

    /// A failed flow run with `text` in every place a result holds text.
    static func result(carrying text: String) -> FlowRunResult {
        var result = RunFixtures.result(outcome: .failed, reply: "reply with \(text)", tags: ["ticket": "t-\(text)"])
        result.notes = ["note \(text)", "a plain note"]
        result.header.failure?.message = "failed on \(text)"
        result.header.failure?.expected = "/\(text)/"
        result.header.conversationId = "conv-\(text)"
        result.turns[1].messages = ["first", "second \(text)"]
        result.turns[1].ids = ["message_id": "m-\(text)", "other": "clean"]
        result.turns[1].events = [
            ProviderEvent(kind: "raw", detail: "{\"x\":\"\(text)\"}"), ProviderEvent(kind: "closed"),
        ]
        result.turns[1].candidates = ["a \(text)", "b"]
        result.turns[3].actions = [
            AgentAction(kind: .stateTransition, name: "done", from: "state-\(text)"),
            AgentAction.tool(
                "lookup-\(text)",
                arguments: .object([("key-\(text)", .array([.string("v-\(text)"), .int(3)])), ("n", .int(1))]),
                result: "found \(text)"),
            AgentAction(kind: .step, name: "plain", detail: "step \(text)"),
        ]
        let verdict = CriterionVerdict(
            criterion: "mentions \(text)", verdict: .pass, reasoning: "said \(text)", passed: true)
        result.judgments = [
            Judgment(
                step: nil, location: SourceLocation(file: "f.yaml", line: 9, column: 3), judge: "j", model: "m",
                turnsSeen: 4, criteria: [verdict], replies: [ReplyVerdicts(turn: 1, verdicts: [verdict])],
                minScore: nil,
                cached: false)
        ]
        result.steps[1].detail = "detail \(text)"
        return result
    }

    @Test func everyTextLosesTheSecretAndNothingElseChanges() throws {
        let redactor = SecretRedactor(secrets: [Self.secret])
        let redacted = Self.result(carrying: Self.secret).redacted(by: redactor)
        let written = String(decoding: redacted.json.bytes, as: UTF8.self)
        #expect(!written.contains(Self.secret), "\(written)")
        // The same result built with the replacement in the secret's place: every text was reached.
        #expect(redacted == Self.result(carrying: SecretRedactor.replacement))
    }

    @Test func aResultWithoutSecretsIsLeftAsItIs() {
        let result = Self.result(carrying: "nothing to hide")
        #expect(result.redacted(by: SecretRedactor(secrets: [Self.secret])) == result)
        #expect(result.redacted(by: SecretRedactor(secrets: [])) == result)
        // A failure without an expectation keeps its message and stays a failure.
        var unexpected = result
        unexpected.header.failure?.expected = nil
        #expect(unexpected.redacted(by: SecretRedactor(secrets: [Self.secret])).header.failure != nil)
    }
}
