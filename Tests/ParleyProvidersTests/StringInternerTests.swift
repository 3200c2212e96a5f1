import ParleyJSON
@testable import ParleyProviders
import ParleyRun
import Testing

/// One copy of the strings every reply repeats; a bounded table.
@Suite struct StringInternerTests {
    /// Where a string's bytes live: equal for two values sharing one copy.
    static func storage(_ text: String) -> UnsafeRawPointer? {
        text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    /// A string made at run time, in storage of its own.
    static func fresh(_ text: String) -> String {
        String(decoding: Array(text.utf8), as: UTF8.self)
    }

    @Test func equalStringsComeBackAsOneCopy() {
        let strings = StringInterner()
        let first = strings.intern(Self.fresh("navigate-state-machine-state-transitioned"))
        let second = strings.intern(Self.fresh("navigate-state-machine-state-transitioned"))
        #expect(first == second)
        #expect(Self.storage(first) == Self.storage(second))
        let other = Self.fresh("navigate-state-machine-state-transitioned")
        #expect(Self.storage(other) != Self.storage(first), "without the interner, two copies")
    }

    @Test func theTableIsBounded() {
        let strings = StringInterner(capacity: 2)
        _ = strings.intern(Self.fresh("collect_order_number"))
        _ = strings.intern(Self.fresh("status_order_number_given"))
        let third = strings.intern(Self.fresh("a third state, over the capacity"))
        let again = strings.intern(Self.fresh("a third state, over the capacity"))
        #expect(third == again)
        #expect(Self.storage(third) != Self.storage(again), "not kept once the table is full")
        let kept = strings.intern(Self.fresh("collect_order_number"))
        #expect(Self.storage(kept) == Self.storage(strings.intern(Self.fresh("collect_order_number"))))
    }

    @Test func longStringsAreNotKept() {
        let strings = StringInterner()
        let long = String(repeating: "x", count: StringInterner.maxLength + 1)
        let first = strings.intern(Self.fresh(long))
        let second = strings.intern(Self.fresh(long))
        #expect(first == second)
        #expect(Self.storage(first) != Self.storage(second))
    }

    @Test func readersOfOneProviderShareTheirActionsNames() throws {
        let strings = StringInterner()
        // Parsed for each reader, as each reply's line is.
        func payload() throws -> JSONValue {
            try JSONValue(
                parsing: Array(
                    #"{"type":"navigate-state-machine-state-transitioned","prev_state":"status_order_number","#.utf8)
                    + Array(#""next_state":"status_order_number_given"}"#.utf8))
        }
        var one = AmigoActionReader(strings: strings)
        var two = AmigoActionReader(strings: strings)
        try one.consume(payload())
        try two.consume(payload())
        #expect(one.actions == two.actions)
        #expect(Self.storage(one.actions[0].name) == Self.storage(two.actions[0].name))
        #expect(one.actions[0].from.flatMap(Self.storage) == two.actions[0].from.flatMap(Self.storage))
        var alone = AmigoActionReader()
        try alone.consume(payload())
        #expect(alone.actions == one.actions)
        #expect(Self.storage(alone.actions[0].name) != Self.storage(one.actions[0].name))
    }
}
