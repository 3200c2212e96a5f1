import Foundation
import Testing
@testable import ParleyDemoAgent

@Suite struct DemoConversationTests {
    func opened(seed: UInt64 = 0) -> (DemoConversation, DemoTurn) {
        var conversation = DemoConversation(script: .supportDesk, seed: seed)
        let greeting = conversation.open(.agentFirst)
        return (conversation, greeting)
    }

    @Test func agentSpeaksFirstWithAGreeting() {
        let (conversation, greeting) = opened()
        #expect(
            greeting.messages == [
                "Hi, thanks for contacting Juniper & Pine! I'm Juno, your virtual assistant. How can I help you today?"
            ])
        #expect(greeting.text.range(of: "how can I help", options: .caseInsensitive) != nil)
        #expect(!greeting.completed)
        #expect(conversation.insights.stateName == "greeting")
        #expect(conversation.insights.objective == "Find out what the customer needs.")
    }

    @Test func orderStatusAsksForTheNumberThenAnswersDeterministically() {
        var (conversation, _) = opened()
        let ask = conversation.reply(to: "Where is my order?")
        #expect(ask.text.contains("What's your order number?"))
        #expect(conversation.stateName == "status_order_number")
        let status = conversation.reply(to: "It's ORD-1042")
        #expect(status.text.hasPrefix("Here's the status of order ORD-1042: it "))
        #expect(status.text.hasSuffix("Is there anything else I can help you with?"))
        #expect(conversation.insights.stateName == "status_given")
        #expect(conversation.insights.memory == ["order_id": "ORD-1042"])

        // The same order always has the same status; the statuses come from the script's list.
        var again = DemoConversation(script: .supportDesk, seed: 99)
        _ = again.open(.userMessage("What's the status of order ORD-1042?"))
        #expect(again.stateName == "status_given")
        let statuses = ["has shipped", "is being packed", "is out for delivery", "was delivered"]
        #expect(statuses.contains { status.text.contains($0) })
        #expect(again.value(of: "order_status") == conversation.value(of: "order_status"))
    }

    @Test func refundAsksForTheOrderOffersAndIssuesWithATicket() throws {
        var (conversation, _) = opened()
        let ask = conversation.reply(to: "My blender arrived cracked.")
        #expect(ask.text.range(of: #"order (number|id)"#, options: [.regularExpression, .caseInsensitive]) != nil)
        #expect(conversation.insights.stateName == "refund_order_number")

        let offer = conversation.reply(to: "It's ORD-1042.")
        #expect(offer.text.contains("I found order ORD-1042"))
        #expect(offer.text.contains("refund"))
        #expect(offer.text.contains("replacement"))
        let ticketRange = try #require(offer.text.range(of: #"ticket T-\d{5}"#, options: .regularExpression))
        let ticket = String(offer.text[ticketRange].dropFirst("ticket ".count))
        #expect(conversation.insights.action == "Open a ticket and offer a full refund or a replacement.")

        let issued = conversation.reply(to: "Yes, please go ahead.")
        #expect(issued.messages.count == 2)
        #expect(issued.messages[0].hasPrefix("Done! Your refund has been issued under ticket \(ticket)."))
        #expect(issued.messages[1] == "Is there anything else I can help you with?")
        #expect(
            issued.transitions == [
                DemoTransition(
                    from: "refund_offer", to: "refund_issued",
                    reason: #"/\b(yes|yeah|yep|sure|please|go ahead|ok|okay|do it|confirm|refund)\b/i"#)
            ])
        #expect(conversation.insights.stateName == "refund_issued")

        // The ticket depends only on the order number.
        var other = DemoConversation(script: .supportDesk, seed: 7)
        let direct = other.open(.userMessage("I want a refund for ord-1042, it's broken"))
        #expect(direct.text.contains(ticket))
        var different = DemoConversation(script: .supportDesk)
        let otherOrder = different.open(.userMessage("Refund for ORD-2001 please"))
        #expect(!otherOrder.text.contains(ticket))
    }

    @Test func decliningOrChoosingAReplacementIsHandled() {
        var (declining, _) = opened()
        _ = declining.reply(to: "I'd like a refund for order ORD-7")
        let declined = declining.reply(to: "No, don't do that yet")
        #expect(
            declined.messages == [
                "No problem, I haven't changed anything on order ORD-7.", "Is there anything else I can help you with?",
            ])

        var (replacing, _) = opened()
        _ = replacing.reply(to: "ORD-8 arrived damaged, refund please")
        let replaced = replacing.reply(to: "Could you send a replacement instead?")
        #expect(replaced.text.contains("A replacement for order ORD-8 is on its way"))
        #expect(replacing.stateName == "replacement_sent")
    }

    @Test func askingForAHumanEscalates() {
        var (conversation, _) = opened()
        let turn = conversation.reply(to: "Can I talk to a real person please?")
        #expect(turn.text.contains("transferring you to a human agent"))
        #expect(turn.events == [DemoEvent(kind: "escalation", state: "escalated")])
        #expect(!turn.completed)
        #expect(conversation.insights.stateName == "escalated")
        let waiting = conversation.reply(to: "are you still there?")
        #expect(waiting.text.contains("You're in the queue"))
    }

    @Test func goodbyeCompletesTheConversation() {
        var (conversation, _) = opened()
        let turn = conversation.reply(to: "Actually that's all, bye")
        #expect(turn.messages == ["Thanks for contacting Juniper & Pine. Have a lovely day, goodbye!"])
        #expect(turn.completed)
        #expect(conversation.isCompleted)
        let after = conversation.reply(to: "hello again")
        #expect(after.completed)
        #expect(after.messages == ["This conversation has ended."])
    }

    @Test func noAfterAnythingElseEndsTheConversation() {
        var (conversation, _) = opened()
        _ = conversation.reply(to: "track ORD-5 please")
        let yes = conversation.reply(to: "yes")
        #expect(yes.messages == ["Sure! What else can I help you with?"])
        let no = conversation.reply(to: "no")
        #expect(no.completed)
        #expect(conversation.stateName == "closed")
    }

    @Test func unrecognisedMessagesGetTheFallback() {
        var (conversation, _) = opened()
        let turn = conversation.reply(to: "What's the weather like?")
        #expect(turn.messages.count == 1)
        #expect(turn.text.hasPrefix("Sorry, I didn't catch that."))
        #expect(turn.text.contains("refund"))
        #expect(turn.text.contains("status"))
        #expect(conversation.stateName == "greeting")

        // Inside a state with its own fallback, that one is used.
        _ = conversation.reply(to: "I want a refund")
        let reask = conversation.reply(to: "I don't remember")
        #expect(
            reask.text == "I need your order number to find the purchase. It starts with ORD-, for example ORD-1234.")
    }

    @Test func externalEventOpeningGreetsReferringToIt() {
        var conversation = DemoConversation(script: .supportDesk)
        let turn = conversation.open(
            .externalEvent("customer opened the app from a push notification about order ORD-1042"))
        #expect(turn.text.hasPrefix("Welcome back! I see you opened our notification about order ORD-1042."))
        #expect(turn.text.hasSuffix("How can I help you today?"))
        #expect(conversation.memory["order_id"] == "ORD-1042")
        // The order is remembered, so a refund request goes straight to the offer.
        let offer = conversation.reply(to: "I'd like a refund")
        #expect(offer.text.contains("I found order ORD-1042"))
    }

    @Test func unknownEventsRepeatTheStatesWords() {
        var conversation = DemoConversation(script: .supportDesk)
        let turn = conversation.open(.externalEvent("page view: /pricing"))
        #expect(turn.text.contains("How can I help you today?"))
        _ = conversation.reply(to: "Where's my order?")
        let midway = conversation.event("customer is idle")
        #expect(midway.text == "I can check that for you. What's your order number? It looks like ORD-1234.")
    }

    @Test func userFirstOpeningAnswersWithoutAGreeting() {
        var conversation = DemoConversation(script: .supportDesk)
        let turn = conversation.open(.userMessage("Hello, I need to speak to a representative"))
        #expect(!turn.text.contains("thanks for contacting"))
        #expect(turn.events.map(\.kind) == ["escalation"])
    }

    @Test func promptRepeatsTheCurrentQuestion() {
        var (conversation, _) = opened()
        _ = conversation.reply(to: "refund please")
        #expect(conversation.prompt().text.contains("What's your order number?"))
    }

    @Test func sameSeedAndInputsGiveTheSameTurns() {
        let inputs = ["hmm", "huh?", "??", "My order ORD-31 is broken", "yes", "bye"]
        func run(seed: UInt64) -> [DemoTurn] {
            var conversation = DemoConversation(script: .supportDesk, seed: seed)
            return [conversation.open(.agentFirst)] + inputs.map { conversation.reply(to: $0) }
        }
        #expect(run(seed: 1) == run(seed: 1))
        #expect(run(seed: 2) == run(seed: 2))
        // The seed picks among the fallback's alternatives, so some seed gives a different wording.
        let wordings = Set((0..<16).map { run(seed: $0)[1].text })
        #expect(wordings.count == 2)
    }
}
