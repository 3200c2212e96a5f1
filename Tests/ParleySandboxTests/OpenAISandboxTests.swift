import Foundation
import Testing
import ParleySandbox

/// The sandbox's OpenAI-compatible chat completions, read as the official clients read them.
@Suite struct OpenAISandboxTests {
    @Test func aStreamWithSeveralChoicesStreamsEveryChoice() async throws {
        try await withSandbox(SandboxConfiguration(wordsPerChunk: 2)) { _, http in
            let body = #"""
                {"model":"parley-simulated-user","stream":true,"n":3,"messages":[
                  {"role":"system","content":"PERSONA: Dana --- SCENARIO: Get a refund for the cracked blender."},
                  {"role":"user","content":"Hi, thanks for contacting Juniper & Pine! How can I help you today?"}]}
                """#
            let answer = try await http.send(
                .post, "/openai/v1/chat/completions", headers: ["Authorization": "Bearer sk-parley-sandbox"],
                body: body)
            #expect(answer.status == 200)
            let events = answer.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }.map {
                String($0.dropFirst(6))
            }
            #expect(events.last == "[DONE]")
            var texts: [Int: String] = [:]
            var finished: Set<Int> = []
            var order: [Int] = []
            for event in events.dropLast() {
                let chunk = try #require(try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])
                let choices = try #require(chunk["choices"] as? [[String: Any]])
                #expect(choices.count == 1, "each chunk carries one choice")
                let choice = try #require(choices.first)
                let index = try #require(choice["index"] as? Int)
                order.append(index)
                let delta = choice["delta"] as? [String: Any] ?? [:]
                texts[index, default: ""] += delta["content"] as? String ?? ""
                if choice["finish_reason"] as? String == "stop" { finished.insert(index) }
            }
            #expect(Set(texts.keys) == [0, 1, 2], "every choice is streamed")
            #expect(finished == [0, 1, 2])
            #expect(texts.values.allSatisfy { !$0.isEmpty })
            #expect(Set(texts.values).count == 3, "three different candidates")
            #expect(order.prefix(3) == [0, 1, 2], "a role chunk for each choice first")

            // The same request without streaming gives the same candidates.
            let plain = try await http.send(
                .post, "/openai/v1/chat/completions", headers: ["Authorization": "Bearer sk-parley-sandbox"],
                body: body.replacingOccurrences(of: #""stream":true"#, with: #""stream":false"#))
            let choices = try #require(plain.object["choices"] as? [[String: Any]])
            let contents = choices.compactMap { ($0["message"] as? [String: Any])?["content"] as? String }
            #expect(contents == [texts[0], texts[1], texts[2]].compactMap { $0 })
        }
    }
}
