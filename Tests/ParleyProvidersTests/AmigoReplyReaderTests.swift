import Foundation
import ParleyClock
@testable import ParleyProviders
import ParleyRun
import Testing

/// Amigo's create and interact stream events folded into a reply, line by line (no sockets).
@Suite struct AmigoReplyReaderTests {
    static let start = MonotonicInstant.now

    func read(_ lines: [String], limit: ReplyLimit = .default) throws(ProviderError) -> AgentReply {
        var reader = AmigoReplyReader(limit: limit)
        for (index, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            try bytes.withUnsafeBufferPointer { bytes throws(ProviderError) in
                try reader.consume(bytes, at: Self.start + .milliseconds(index))
            }
        }
        return try reader.reply(sentAt: Date(), started: Self.start, finished: Self.start + .seconds(1))
    }

    static func chunk(_ text: String, id: String? = "6b120bc02442c295e1000006") -> String {
        let idMember = id.map { #","message_id":"\#($0)""# } ?? ""
        return #"{"type":"new-message","message":"\#(text)","transcript_alignment":null,"stop":false\#(idMember)}"#
    }

    static let complete =
        #"{"type":"interaction-complete","message_id":"6b120bc02442c295e1000006","#
        + #""interaction_id":"6b120bc02442c295e1000005","full_message":"ignored","conversation_completed":true}"#

    @Test func chunksAreJoinedAndTheirEscapesDecoded() throws {
        let reply = try read([
            #"{"type":"conversation-created","conversation_id":"6b120bc02442c295e1000004"}"#,
            Self.chunk("Hi, \\\"Juno\\\" here"), Self.chunk(#" \u00e9t\u00e9\nnew line"#), Self.chunk(" and \\\\ done"),
            #"{"type":"user-message-available","message_id":"6b120bc02442c295e1000007"}"#, Self.complete,
        ])
        #expect(reply.messages == ["Hi, \"Juno\" here été\nnew line and \\ done"])
        #expect(reply.conversationCompleted)
        #expect(reply.timeToFirstChunk == .milliseconds(1))
        #expect(
            reply.ids == [
                "conversation_id": "6b120bc02442c295e1000004", "interaction_id": "6b120bc02442c295e1000005",
                "message_id": "6b120bc02442c295e1000006", "user_message_id": "6b120bc02442c295e1000007",
            ])
    }

    @Test func messagesAreToldApartByTheirIdsInTheOrderTheyBegan() throws {
        let reply = try read([
            Self.chunk("one ", id: "a1"), Self.chunk("two ", id: "b2"), Self.chunk("one again", id: "a1"),
            Self.chunk("two again", id: #"b\u0032"#), Self.chunk("no id", id: nil),
            #"{"type":"new-message","message":" null id","message_id":null}"#, Self.complete,
        ])
        #expect(reply.messages == ["one one again", "two two again", "no id null id"])
    }

    /// Members are read by name, in whatever order they come: the type last, the message before
    /// its id, an action before the event's type; the first of a repeated member counts.
    @Test func anEventsMembersMayComeInAnyOrder() throws {
        let reply = try read([
            #"{"action":{"next_state":"b","prev_state":"a","type":"navigate-state-machine-state-transitioned"},"#
                + #""type":"current-agent-action"}"#,
            #"{"message_id":"m1","message":"Hel","type":"new-message"}"#,
            #"{"message":"lo","type":"new-message","message_id":"m1","message":"ignored","type":"error"}"#,
            #"{"action":{"z":1,"type":"some-new-step","a":[true]},"type":"current-agent-action"}"#,
            #"{"action":{"type":"tool-call-started"},"type":"new-kind-of-event"}"#,
            #"{"interaction_id":"6b120bc02442c295e1000005","type":"interaction-complete"}"#,
        ])
        #expect(reply.messages == ["Hello"])
        #expect(reply.actions.map(\.name) == ["b", "some-new-step"], "an action counts only in an action event")
        #expect(reply.actions[0].from == "a")
        #expect(reply.actions[1].detail == #"{"a":[true],"z":1}"#)
        #expect(reply.ids["message_id"] == "m1")
        #expect(reply.ids["interaction_id"] == "6b120bc02442c295e1000005")
    }

    @Test func aReplyWithoutChunksIsItsFullMessage() throws {
        let reply = try read([
            #"{"type":"interaction-complete","interaction_id":"6b120bc02442c295e1000005","#
                + #""full_message":"All in one \u00e9","conversation_completed":false}"#
        ])
        #expect(reply.messages == ["All in one é"])
        #expect(!reply.conversationCompleted)
    }

    @Test(arguments: [
        #"{"type":"new-message","message":null}"#, #"{"type":"new-message","message":7}"#,
        #"{"type":"new-message"}"#, #"{"message":"text"}"#, #"{"type":"new-message","message":"x"} trailing"#,
        #"["type"]"#,
    ])
    func aLineThatIsNotAnEventWithTextIsAProtocolViolation(line: String) {
        #expect {
            _ = try read([line, Self.complete])
        } throws: { error in
            (error as? ProviderError)?.kind == .protocolViolation
        }
    }

    @Test func theLimitCountsTheDecodedText() throws {
        // Six bytes of escape stand for two of text: 4 chunks of 2 bytes pass a limit of 8, a fifth does not.
        let limit = ReplyLimit(bytes: 8)
        let chunk = Self.chunk(#"\u00e9"#)
        #expect(try read(Array(repeating: chunk, count: 4) + [Self.complete], limit: limit).messages == ["éééé"])
        #expect(throws: ProviderError.self) { try read(Array(repeating: chunk, count: 5), limit: limit) }
    }
}
