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

    @Test func theTableIsBoundedAndKeepsWhatRecurs() {
        let strings = StringInterner(capacity: 2)
        #expect(strings.capacity == 2)
        let first = strings.intern(Self.fresh("collect_order_number"))
        let second = strings.intern(Self.fresh("status_order_number_given"))
        #expect(Self.storage(strings.intern(Self.fresh("collect_order_number"))) == Self.storage(first))
        let third = strings.intern(Self.fresh("a third state, over the capacity"))
        #expect(Self.storage(strings.intern(Self.fresh("a third state, over the capacity"))) == Self.storage(third))
        let again = strings.intern(Self.fresh("status_order_number_given"))
        #expect(again == second)
        #expect(Self.storage(again) != Self.storage(second), "the older string made way for a newer one")
    }

    @Test func aTableOfNoCapacityKeepsNothing() {
        let strings = StringInterner(capacity: 0)
        let first = strings.intern(Self.fresh("navigate-state-machine-state-transitioned"))
        #expect(Self.storage(first) != Self.storage(strings.intern(Self.fresh(first))))
    }

    /// The members `names` names of the object `line` holds, read as trees through `strings`.
    static func read(_ names: JSONMemberNames, of line: [UInt8], strings: StringInterner?) throws -> [JSONValue?] {
        var found = [JSONValue?](repeating: nil, count: names.count)
        try line.withUnsafeBufferPointer { bytes throws(JSONParseError) in
            try JSONReader.read(bytes, strings: strings) { reader throws(JSONParseError) in
                _ = try reader.readObject(names) { reader, slot throws(JSONParseError) in
                    found[slot] = try reader.value()
                }
            }
        }
        return found
    }

    @Test func parsedEventsShareTheirRecurringStrings() throws {
        let strings = StringInterner()
        let names = JSONMemberNames(["type", "action"])
        let line =
            Array(
                #"{"type":"current-agent-action","action":{"type":"navigate-state-machine-state-transitioned","#.utf8)
            + Array(#""next_state":"status_order_number_given","short":"tiny","escaped":"needs\u0020decoding!"}}"#.utf8)
        let one = try Self.read(names, of: line, strings: strings)
        let two = try Self.read(names, of: line, strings: strings)
        #expect(one[0] == two[0])
        #expect(one[1] == two[1])
        #expect(one[0]?.string.flatMap(Self.storage) == two[0]?.string.flatMap(Self.storage))
        let next = { (members: [JSONValue?]) in members[1]?["next_state"]?.string }
        #expect(next(one) == "status_order_number_given")
        #expect(next(one).flatMap(Self.storage) == next(two).flatMap(Self.storage))
        #expect(one[1]?["escaped"]?.string == "needs decoding!")
        let plain = try Self.read(names, of: line, strings: nil)
        #expect(plain[1] == one[1], "the same values with the table or without")
        #expect(next(plain).flatMap(Self.storage) != next(one).flatMap(Self.storage))
    }

    /// A string derived from bytes (a step's detail from its payload) is made once while kept;
    /// sources too short to hash, and a table of no capacity, make it every time.
    @Test func aDerivedStringIsMadeOnceForItsBytes() {
        var made = 0
        func derive(_ source: String, in strings: StringInterner) -> String? {
            Array(source.utf8).withUnsafeBufferPointer { bytes in
                strings.string(derivedFrom: bytes) { bytes in
                    made += 1
                    return bytes.count == 9 ? nil : "from " + String(decoding: bytes, as: UTF8.self)
                }
            }
        }
        let strings = StringInterner(capacity: 8)
        #expect(derive("a payload of bytes", in: strings) == "from a payload of bytes")
        #expect(derive("a payload of bytes", in: strings) == "from a payload of bytes")
        #expect(derive("nine byte", in: strings) == nil)
        #expect(derive("nine byte", in: strings) == nil)
        #expect(made == 2, "kept, and a derived nil too")
        #expect(derive("another payload", in: strings) == "from another payload")
        #expect(derive("short", in: strings) == "from short")
        #expect(derive("short", in: strings) == "from short")
        #expect(made == 5)
        for n in 0..<100 { _ = derive("payload number \(n)", in: strings) }
        made = 0
        _ = derive("a payload of bytes", in: strings)
        #expect(made == 1, "the table is bounded: what has not recurred goes")
        let off = StringInterner(capacity: 0)
        _ = derive("a payload of bytes", in: off)
        _ = derive("a payload of bytes", in: off)
        #expect(made == 3)
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
        try one.consume(payload(), strings: strings)
        try two.consume(payload(), strings: strings)
        #expect(one.actions == two.actions)
        #expect(Self.storage(one.actions[0].name) == Self.storage(two.actions[0].name))
        #expect(one.actions[0].from.flatMap(Self.storage) == two.actions[0].from.flatMap(Self.storage))
        var alone = AmigoActionReader()
        try alone.consume(payload())
        #expect(alone.actions == one.actions)
        #expect(Self.storage(alone.actions[0].name) != Self.storage(one.actions[0].name))
    }
}
