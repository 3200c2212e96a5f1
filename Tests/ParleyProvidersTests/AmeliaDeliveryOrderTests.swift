import ParleyJSON
@testable import ParleyProviders
import Testing

@Suite struct AmeliaDeliveryOrderTests {
    func message(_ sequence: Int?, _ text: String) -> JSONValue {
        var members: [(String, JSONValue)] = [("messageText", .string(text))]
        if let sequence { members.append(("sessionSequence", .int(sequence))) }
        return .object(members)
    }

    func drain(_ order: inout AmeliaDeliveryOrder, at now: ContinuousClock.Instant) -> [String] {
        var out: [String] = []
        while let next = order.next(now: now) { out.append(next["messageText"]?.string ?? "") }
        return out
    }

    @Test func messagesAreReadInSequenceWhateverOrderTheyArriveIn() {
        let start = ContinuousClock.now
        var order = AmeliaDeliveryOrder(window: .seconds(2))
        order.insert([message(3, "ready"), message(2, "text")], at: start)
        #expect(drain(&order, at: start).isEmpty, "message 1 has not come yet")
        #expect(order.gapDeadline == start + .seconds(2))
        order.insert([message(1, "greeting")], at: start + .milliseconds(10))
        #expect(drain(&order, at: start + .milliseconds(10)) == ["greeting", "text", "ready"])
        order.insert([message(5, "five")], at: start + .milliseconds(20))
        #expect(drain(&order, at: start + .milliseconds(20)).isEmpty, "four is missing")
        #expect(drain(&order, at: start + .seconds(3)) == ["five"], "a gap is given up on after the window")
        order.insert([message(4, "four, late")], at: start + .seconds(4))
        #expect(drain(&order, at: start + .seconds(4)) == ["four, late"], "a late message is still read")
    }

    @Test func messagesWithoutANumberAreReadAsTheyCome() {
        let now = ContinuousClock.now
        var order = AmeliaDeliveryOrder(window: .seconds(2))
        order.insert([message(nil, "b"), message(nil, "a")], at: now)
        #expect(drain(&order, at: now) == ["b", "a"])
    }

    @Test func aConversationNumberedFromElsewhereStartsAfterTheWindow() {
        let now = ContinuousClock.now
        var order = AmeliaDeliveryOrder(window: .milliseconds(100))
        order.insert([message(41, "first"), message(42, "second")], at: now)
        #expect(drain(&order, at: now).isEmpty)
        #expect(drain(&order, at: now + .milliseconds(100)) == ["first", "second"])
    }
}
