import Foundation
import ParleyFlow
import ParleyRun
import ParleyTestSupport
import Testing

/// `expect` on one message of a reply of several (`message: first|last|any|N`).
@Suite struct MessageSelectionTests {
    let twoMessages = TestProvider(
        behaviour: .reply { _ in
            ["Done! Your refund has been issued under ticket T-12345.", "Is there anything else I can help you with?"]
        })

    @Test(arguments: [
        ("{ message: first, pattern: /^Done!/ }", true),
        ("{ message: last, pattern: /^Is there anything else/ }", true),
        ("{ message: 2, pattern: /anything else/ }", true),
        ("{ message: -2, pattern: /^Done!/ }", true),
        ("{ message: any, pattern: /^Is there/ }", true),
        ("{ message: all, pattern: /T-12345\\.\\nIs there/ }", true),
        ("/T-12345\\.\\nIs there/", true),
        ("{ message: first, pattern: /anything else/ }", false),
        ("{ message: last, pattern: /^Done!/ }", false),
        ("{ message: 3, pattern: /./ }", false),
    ])
    func aMessageOfTheReplyIsMatchedAlone(expect: String, passes: Bool) async throws {
        let f = try flow("steps:\n  - send: refund\n  - expect: \(expect)\n")
        let result = await run(f, provider: twoMessages)
        #expect(result.outcome == (passes ? .passed : .failed), "\(expect): \(result.failure?.message ?? "-")")
        if !passes {
            #expect(result.failure?.errorKind == nil, "an unmatched message is the agent's failure, not an error")
        }
    }

    @Test func capturesComeFromTheMessageThatMatched() async throws {
        let f = try flow(
            """
            steps:
              - send: refund
              - expect: { message: any, pattern: /ticket/, capture: { ticket: /ticket (T-\\d+)/ } }
              - send: my ticket is ${ticket}
            """)
        let result = await run(f, provider: twoMessages)
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        #expect(result.steps[1].detail == "captured ticket=T-12345")
        #expect(result.turns[1].messages?.count == 2, "the transcript keeps each message")
    }

    @Test func aMissingMessageSaysHowManyThereWere() async throws {
        let f = try flow("steps:\n  - send: refund\n  - expect: { message: 5, contains: x }\n")
        let result = await run(f, provider: twoMessages)
        #expect(result.outcome == .failed)
        #expect(result.failure?.message.contains("the reply has 2 messages") == true)
    }

    @Test func aBadSelectorIsALoadError() {
        let loaded = FlowLoader(environment: [:]).load(
            text: "steps:\n  - send: hi\n  - expect: { message: final, contains: x }\n", file: "f.yaml")
        #expect(loaded.hasErrors)
        let message = loaded.diagnostics.first?.description ?? ""
        #expect(message.contains("f.yaml:3:"))
        #expect(message.contains("`message` must be `first`, `last`, `any`, `all` or a message's number"))
    }

    @Test(arguments: [
        ("/refund/", false),
        ("{ regex: /refund/ }", false),
        ("{ any: [/refund/, /nothing/] }", false),
        ("/nothing like this/", true),
        ("{ message: first, pattern: /anything else/ }", true),
        ("{ message: first, contains: refund }", false),
        ("{ message: last, pattern: /^Done!/ }", true),
        ("{ message: -1, contains: anything else }", false),
        ("{ message: any, pattern: /^Is there/ }", false),
        ("{ message: any, pattern: /^Done!.*\\n/s }", true),
        ("{ message: all, pattern: /T-12345\\.\\nIs there/ }", false),
        ("{ message: 3, pattern: /./ }", false),
    ])
    func expectNotChecksTheChosenMessages(expectNot: String, passes: Bool) async throws {
        let f = try flow("steps:\n  - send: refund\n  - expect_not: \(expectNot)\n")
        let result = await run(f, provider: twoMessages)
        #expect(result.outcome == (passes ? .passed : .failed), "\(expectNot): \(result.failure?.message ?? "-")")
    }

    @Test func expectNotShowsTheMessageThatMatched() async throws {
        let f = try flow("steps:\n  - send: refund\n  - expect_not: { message: any, contains: anything else }\n")
        let result = await run(f, provider: twoMessages)
        #expect(result.outcome == .failed)
        #expect(result.failure?.message == "expected the agent's reply (`message: any`) not to match \"anything else\"")
        #expect(result.failure?.actual == "Is there anything else I can help you with?")
    }

    @Test(arguments: [
        ("{ message: final, contains: x }", "`message` must be `first`, `last`, `any`, `all` or a message's number"),
        ("{ message: first }", "`expect_not` needs a pattern"),
        ("{ message: first, contains: x, regex: /y/ }", "`expect_not` takes one of `regex` and `contains`"),
        ("{ message: first, contains: x, capture: { a: /b/ } }", "capture"),
    ])
    func badExpectNotOptionsAreLoadErrors(expectNot: String, says: String) {
        let loaded = FlowLoader(environment: [:]).load(
            text: "steps:\n  - send: hi\n  - expect_not: \(expectNot)\n", file: "f.yaml")
        #expect(loaded.hasErrors)
        let message = loaded.diagnostics.first?.description ?? ""
        #expect(message.contains("f.yaml:3:"), "\(message)")
        #expect(message.contains(says), "\(message)")
    }
}
