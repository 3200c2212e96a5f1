import Foundation
import Testing
import ParleyJSON
@testable import ParleyProviders
import ParleyRun

/// The poll-folding state machine, without sockets.
@Suite struct AmeliaReplyReaderTests {
    let clock = ContinuousClock()

    func message(
        _ type: String, _ text: String? = nil, echo: Bool = false, inputEnabled: Bool = false, from: String = "Amelia"
    ) -> JSONValue {
        .object([
            ("messageId", .string(UUID().uuidString)), ("messageText", text.map(JSONValue.string) ?? .null),
            ("ameliaMessageType", .string(type)), ("sourceUserType", .string(from)), ("selfEcho", .bool(echo)),
            ("inputEnabled", .bool(inputEnabled)), ("conversationId", "ABCDEFGHIJKLM-1"),
        ])
    }

    @Test func aTurnIsTheTextsUntilTheReadyMessageWithoutEchoesOrAvatarStatus() throws {
        var reader = AmeliaReplyReader()
        let start = clock.now
        try reader.consume(poll: .array([]), at: start)
        #expect(!reader.finished)
        try reader.consume(
            poll: .array([
                message("OutboundEchoMessage", "I want a refund", echo: true, from: "User"),
                message("OutboundBmlStatusMessage"),
                message("OutboundTextMessage", "<p>Sure &amp; <b>quickly</b>.</p><p>What's your order number?</p>"),
            ]), at: start + .milliseconds(40))
        #expect(!reader.finished)
        try reader.consume(
            poll: .array([message("OutboundAmeliaReadyMessage", inputEnabled: true)]), at: start + .milliseconds(90))
        #expect(reader.ending == .ready)
        let reply = reader.reply(sentAt: Date(), started: start, finished: start + .milliseconds(100))
        #expect(reply.messages == ["Sure & quickly.\nWhat's your order number?"])
        #expect(reply.timeToFirstChunk == .milliseconds(40))
        #expect(reply.latency == .milliseconds(100))
        #expect(reply.events.isEmpty)
        #expect(reply.ids["amelia_conversation_id"] == "ABCDEFGHIJKLM-1")
        #expect(!reply.conversationCompleted)
    }

    @Test func aReadyMessageWithInputStillDisabledDoesNotEndTheTurn() throws {
        var reader = AmeliaReplyReader()
        try reader.consume(message("OutboundAmeliaReadyMessage", inputEnabled: false), at: clock.now)
        #expect(!reader.finished)
    }

    @Test func escalationClosingAndUnknownTypesBecomeEvents() throws {
        var reader = AmeliaReplyReader()
        try reader.consume(
            poll: .array([
                message("OutboundTextMessage", "Let me get a colleague."),
                message("OutboundEscalationStartedMessage", "Transferring you."),
                message("OutboundRecommendationsMessage", "Try: order status"),
                .object([("messageText", "no type at all")]),
                message("OutboundConversationClosedMessage"),
            ]), at: clock.now)
        #expect(reader.ending == .closed)
        let reply = reader.reply(sentAt: Date(), started: clock.now, finished: clock.now)
        #expect(
            reply.events == [
                ProviderEvent(kind: "escalation", detail: "Transferring you."),
                ProviderEvent(kind: "raw", detail: "OutboundRecommendationsMessage: Try: order status"),
                ProviderEvent(kind: "raw", detail: "a message without a type: no type at all"),
                ProviderEvent(kind: "closed", detail: "OutboundConversationClosedMessage"),
            ])
        #expect(reply.conversationCompleted)
        #expect(reply.messages == ["Let me get a colleague."])
    }

    @Test func aSystemErrorStopsTheTurnWithWhatAmeliaSaid() throws {
        var reader = AmeliaReplyReader()
        try reader.consume(message("OutboundTextMessage", "One moment."), at: clock.now)
        let error = #expect(throws: ProviderError.self) {
            try reader.consume(message("OutboundSystemErrorMessage", "BPN process failed"), at: clock.now)
        }
        #expect(error?.kind == .systemError)
        #expect(
            error?.message
                == "Amelia reported a system error (OutboundSystemErrorMessage): BPN process failed — after saying: "
                + "One moment."
        )
    }

    @Test func anAnswerThatIsNotAListOfMessagesIsAProtocolError() {
        var reader = AmeliaReplyReader()
        let notList = #expect(throws: ProviderError.self) { try reader.consume(poll: ["status": 200], at: clock.now) }
        #expect(notList?.kind == .protocolViolation)
        #expect(notList?.message.hasPrefix("Amelia's poll answer is an object, not a list of messages") == true)
        let notMessage = #expect(throws: ProviderError.self) { try reader.consume(poll: ["hello"], at: clock.now) }
        #expect(notMessage?.message == "Amelia's poll answer holds a string where a message belongs")
    }

    @Test(arguments: [
        ("plain text", "plain text"),
        ("Line one<br>Line two<br/>Line three", "Line one\nLine two\nLine three"),
        ("<div><ul><li>Refund</li><li>Replace</li></ul></div>", "Refund\nReplace"),
        ("Tom &amp; Jerry &lt;3 &#39;quoted&#39; &#x2764;", "Tom & Jerry <3 'quoted' ❤"),
        ("if a < b and c > d", "if a < b and c > d"),
        ("<a href=\"https://example.com\">link</a>   with   spaces", "link with spaces"),
        ("<!-- hidden --><span style='x'>shown</span>", "shown"),
        ("AT&T and &unknown; stay", "AT&T and &unknown; stay"),
        ("<p>Windows\r\n\r\nline   ends\r\n</p>", "Windows\nline ends"),
    ])
    func htmlInMessageTextBecomesPlainText(_ html: String, _ expected: String) {
        #expect(AmeliaMarkup.plainText(html) == expected)
    }
}
