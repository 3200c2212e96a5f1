import Foundation
@testable import ParleySandbox
import Testing

/// The rules of the sandbox's `parley-generator` model, on prompts in `parley generate`'s layout.
@Suite struct SandboxGeneratorTests {
    static func prompt(about: String, count: Int, adversarial: Bool = false, actions: Bool = true) -> String {
        "ABOUT THE AGENT:\n\(about)\n---\nCOUNT: \(count)\nADVERSARIAL: \(adversarial ? "yes" : "no")\n"
            + "ACTIONS: \(actions ? "yes" : "no")\n---\nWRITE:\n- flows"
    }

    func suite(_ prompt: String) throws -> [String: Any] {
        let answer = try #require(SandboxGenerator.answer([("system", "write tests"), ("user", prompt)]))
        return try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
    }

    @Test func topicsTheDescriptionMentionsBecomeScenariosWithToolsItNames() throws {
        let suite = try suite(
            Self.prompt(about: "Tracks orders with `order-lookup` and issues refunds for damaged items.", count: 4))
        let scenarios = try #require(suite["scenarios"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(scenarios == ["order status", "refund for a damaged item"])
        let flows = try #require(suite["flows"] as? [[String: Any]])
        #expect(flows.count == 4)
        #expect(
            flows.map { $0["scenario"] as? String } == [
                "order status", "refund for a damaged item", "order status", "refund for a damaged item",
            ])
        // Only tools the description names are checked: `issue-refund` is not named in backticks.
        #expect(flows[0]["expect_tools"] as? [String] == ["order-lookup"])
        #expect(flows[1]["expect_tools"] as? [String] == ["order-lookup"])
        let personas = try #require(suite["personas"] as? [[String: Any]])
        #expect(personas.map { $0["name"] as? String } == ["Dana Ortiz", "Sam Lee", "Priya Shah", "Marco Bianchi"])
        #expect(personas.allSatisfy { $0["adversarial"] as? Bool == false })
        #expect(personas.allSatisfy { ($0["must_hold"] as? [String])?.isEmpty == true })
    }

    @Test func theSameDescriptionGivesTheSameSuite() throws {
        let prompt = Self.prompt(about: "Refunds and a human when asked.", count: 5, adversarial: true)
        let first = SandboxGenerator.answer([("user", prompt)])
        #expect(first != nil)
        #expect(first == SandboxGenerator.answer([("user", prompt)]))
    }

    @Test func adversarialFlowsComeEveryThirdWithCriteriaTheAgentMustHold() throws {
        let suite = try suite(Self.prompt(about: "An order desk.", count: 9, adversarial: true, actions: false))
        let flows = try #require(suite["flows"] as? [[String: Any]])
        let personas = try #require(suite["personas"] as? [[String: Any]])
        let adversaries = Set(
            personas.filter { $0["adversarial"] as? Bool == true }.compactMap { $0["name"] as? String })
        #expect(adversaries == ["Off-topic Olly", "Injection Ivy", "Social-engineer Sid"])
        let attacked = flows.enumerated().filter { adversaries.contains($0.element["persona"] as? String ?? "") }
        #expect(attacked.map(\.offset) == [2, 5, 8])
        // Each adversary carries what the agent must hold to against it.
        for persona in personas where persona["adversarial"] as? Bool == true {
            let holds = persona["must_hold"] as? [String] ?? []
            #expect(!holds.isEmpty && holds.allSatisfy { $0.contains("never") }, "\(holds)")
        }
        for (_, flow) in attacked {
            #expect(flow["expect_tools"] as? [String] == [])
            #expect(flow["forbid_tools"] as? [String] == [], "ACTIONS: no")
        }
    }

    @Test func aDescriptionWithNoKnownTopicGetsAGeneralOne() throws {
        let suite = try suite(Self.prompt(about: "A friendly assistant.", count: 1))
        let flows = try #require(suite["flows"] as? [[String: Any]])
        #expect(flows.first?["scenario"] as? String == "general question")
        #expect(flows.first?["until"] as? String == "")
    }

    @Test func aPromptWithoutTheSectionsIsNotAnswered() {
        #expect(SandboxGenerator.answer([("user", "Write me some tests.")]) == nil)
        #expect(SandboxGenerator.answer([("user", Self.prompt(about: "x", count: 0))]) == nil)
    }

    @Test func theGeneratorIsServedOverHTTPForStructuredOutputOnly() async throws {
        try await withSandbox { _, http in
            let key = SandboxCredentials.default.openAIAPIKey
            func ask(_ extra: [String: Any]) async throws -> (Int, [String: Any]) {
                var object: [String: Any] = [
                    "model": "parley-generator",
                    "messages": [["role": "user", "content": Self.prompt(about: "refunds", count: 2)]],
                ]
                for (key, value) in extra { object[key] = value }
                let body = try JSONSerialization.data(withJSONObject: object)
                let result = try await http.send(
                    .post, "/openai/v1/chat/completions", headers: ["Authorization": "Bearer \(key)"],
                    body: String(decoding: body, as: UTF8.self))
                return (result.status, result.object)
            }
            let (status, object) = try await ask([
                "response_format": [
                    "type": "json_schema", "json_schema": ["name": "s", "strict": true, "schema": [:]],
                ]
            ])
            #expect(status == 200)
            let choices = try #require(object["choices"] as? [[String: Any]])
            let content = try #require((choices.first?["message"] as? [String: Any])?["content"] as? String)
            #expect(content.hasPrefix(#"{"personas":["#))
            let (plain, error) = try await ask([:])
            #expect(plain == 400)
            #expect(((error["error"] as? [String: Any])?["code"] as? String) == "response_format_required")
        }
    }
}
