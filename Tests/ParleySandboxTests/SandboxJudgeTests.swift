import Foundation
@testable import ParleySandbox
import Testing

/// The rules of the sandbox's `parley-judge` model, on prompts in Parley's judge layout.
@Suite struct SandboxJudgeTests {
    static let transcript = """
        TRANSCRIPT:
        [1] Agent: Hi! How can I help?
        [2] User: My blender arrived cracked, order ORD-1042.
        [3] Agent: Thanks! I found order ORD-1042.
            Shall I refund it?
            action: state greeting → refund_offer
            action: tool order-lookup {"order_number":"ORD-1042"} → {"status":"shipped"}
        [4] User: yes
        [5] Agent: Done! Your refund has been issued.
            action: tool issue-refund {"amount":"$89.00"} → {"ticket":"T-1"}
        """

    func verdicts(_ criteria: [String], focus: Int? = nil) throws -> [(String, String)] {
        var sections = ["PERSONA:\nName: Dana", Self.transcript]
        if let focus { sections.append("GRADE ONLY THIS AGENT REPLY: [\(focus)]") }
        sections.append(
            "CRITERIA:\n" + criteria.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n"))
        let answer = try #require(
            SandboxJudge.answer([("system", "You are a judge."), ("user", sections.joined(separator: "\n---\n"))]))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        let list = try #require(json["verdicts"] as? [[String: Any]])
        #expect(list.map { $0["criterion"] as? Int } == Array(1...criteria.count))
        return list.map { ($0["verdict"] as? String ?? "", $0["reasoning"] as? String ?? "") }
    }

    @Test func quotedTextPassesWhenAnAgentReplyContainsIt() throws {
        let result = try verdicts([
            "The agent says \"refund has been issued\".", "The agent says \u{201C}Found Order\u{201D}.",
            "The agent says \"ticket T-9\".", "The agent mentions \"cracked\".",
        ])
        #expect(result.map(\.0) == ["pass", "pass", "fail", "fail"], "only the agent's words count")
        #expect(result[2].1 == "\"ticket T-9\" does not appear in the agent's replies and actions")
    }

    @Test func backtickedNamesPassWhenTheActionsShowThem() throws {
        let result = try verdicts([
            "The agent called `order-lookup`.", "It entered `refund_offer`.", "It called `create-replacement`.",
            "It left `greeting`.",
        ])
        #expect(result.map(\.0) == ["pass", "pass", "fail", "fail"], "a transition names the state entered")
    }

    @Test func negationTurnsTheRuleAround() throws {
        let result = try verdicts([
            "The agent never says \"I can't help\".", "The agent does not call `issue-refund`.",
            "It didn't say \"refund has been issued\".", "No call of `escalate` was made, and it says \"Done\".",
        ])
        #expect(result.map(\.0) == ["pass", "fail", "fail", "fail"])
    }

    @Test func criteriaTheRulesCannotDecideAreInconclusive() throws {
        let result = try verdicts(["The agent was polite.", "The agent was not rude."])
        #expect(result.map(\.0) == ["inconclusive", "inconclusive"])
    }

    @Test func aMarkedReplyIsTheOnlyEvidence() throws {
        #expect(try verdicts(["Says \"refund has been issued\"."], focus: 3).map(\.0) == ["fail"])
        #expect(try verdicts(["Says \"refund has been issued\"."], focus: 5).map(\.0) == ["pass"])
        #expect(try verdicts(["Calls `order-lookup`."], focus: 3).map(\.0) == ["pass"])
        #expect(try verdicts(["Calls `order-lookup`."], focus: 5).map(\.0) == ["fail"])
    }

    @Test func aPromptWithoutCriteriaIsNotAnswered() {
        #expect(SandboxJudge.answer([("user", "How are you?")]) == nil)
    }

    @Test func theJudgeModelIsServedOverHTTP() async throws {
        try await withSandbox { _, http in
            let key = SandboxCredentials.default.openAIAPIKey
            let prompt = Self.transcript + "\n---\nCRITERIA:\n1. Calls `order-lookup`."
            let body = try JSONSerialization.data(withJSONObject: [
                "model": "parley-judge", "temperature": 0, "seed": 0,
                "messages": [["role": "system", "content": "judge"], ["role": "user", "content": prompt]],
                "response_format": [
                    "type": "json_schema", "json_schema": ["name": "v", "strict": true, "schema": [:]],
                ],
            ])
            let result = try await http.send(
                .post, "/openai/v1/chat/completions", headers: ["Authorization": "Bearer \(key)"],
                body: String(decoding: body, as: UTF8.self))
            #expect(result.status == 200)
            let choices = try #require(result.object["choices"] as? [[String: Any]])
            let content = try #require((choices.first?["message"] as? [String: Any])?["content"] as? String)
            #expect(
                content
                    == #"{"verdicts":[{"criterion":1,"verdict":"pass","reasoning":"`order-lookup` appears "#
                    + #"in the agent's replies and actions"}]}"#
            )
            #expect((result.object["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0 > 0)
            let missing = try await http.send(
                .post, "/openai/v1/chat/completions", headers: ["Authorization": "Bearer \(key)"],
                body: #"{"model":"parley-judge","messages":[{"role":"user","content":"hello"}]}"#)
            #expect(missing.status == 400)
        }
    }
}
