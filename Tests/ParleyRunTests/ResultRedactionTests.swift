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

    /// A secret in one place only is found there: each text is looked at on its own, not only
    /// when another one changed.
    @Test func aSecretInOnePlaceIsTakenOutOfIt() throws {
        let redactor = SecretRedactor(secrets: [Self.secret])
        let s = Self.secret
        let places: [(String, (inout FlowRunResult) -> Void)] = [
            ("failure", { $0.header.failure?.actual = "said \(s)" }),
            ("conversation id", { $0.header.conversationId = s }),
            ("tag", { $0.header.conversationTags["k"] = s }),
            ("note", { $0.notes.append(s) }),
            ("text", { $0.turns[0].text = s }),
            ("message", { $0.turns[1].messages?[0] = s }),
            ("id", { $0.turns[1].ids?["other"] = s }),
            ("event", { $0.turns[1].events?[1].detail = s }),
            ("candidate", { $0.turns[1].candidates?[1] = s }),
            ("action name", { $0.turns[3].actions?[2].name = s }),
            ("action from", { $0.turns[3].actions?[0].from = s }),
            ("argument key", { $0.turns[3].actions?[1].arguments = .object([("x", .object([(s, .null)]))]) }),
            ("argument item", { $0.turns[3].actions?[1].arguments = .array([.int(1), .array([.string(s)])]) }),
            ("action result", { $0.turns[3].actions?[1].result = s }),
            ("step detail", { $0.steps[0].detail = s }),
        ]
        for (place, put) in places {
            var result = Self.result(carrying: "nothing to hide")
            put(&result)
            let written = String(decoding: result.redacted(by: redactor).json.bytes, as: UTF8.self)
            #expect(!written.contains(s), "\(place)")
            #expect(written.contains(SecretRedactor.replacement), "\(place)")
        }
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
