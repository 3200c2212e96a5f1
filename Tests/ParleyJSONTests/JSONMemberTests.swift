import Testing
@testable import ParleyJSON

/// An object's members picked by name (`JSONReader.readObject`, each kept one read as a tree): only
/// the members asked for are built, but the reader must accept and reject exactly what the full
/// parser does, with the same error in the same place.
@Suite struct JSONMemberTests {
    static let keep = JSONMemberNames(["type", "keep", "caf\u{E9}"])

    /// The members `names` names (the first of each name), in their order; `nil` for a document
    /// that is JSON but not an object.
    static func members(_ names: JSONMemberNames, of bytes: [UInt8], maxDepth: Int = 512) throws(JSONParseError)
        -> [JSONValue?]?
    {
        var found = [JSONValue?](repeating: nil, count: names.count)
        var isObject = false
        try bytes.withUnsafeBufferPointer { bytes throws(JSONParseError) in
            try JSONReader.read(bytes, maxDepth: maxDepth) { reader throws(JSONParseError) in
                isObject = try reader.readObject(names) { reader, slot throws(JSONParseError) in
                    found[slot] = try reader.value()
                }
            }
        }
        return isObject ? found : nil
    }

    /// Values, valid and not: each is put in an object as a member skipped and as a member kept.
    static let values: [String] = [
        "1", "-0.5e+10", "01", "1.", "-", "1e", "true", "tru", "null", "nul", "\"text\"", #""\"\\\/\b\u00e9""#,
        #""\x""#, #""\u00""#, #""\uD800""#, "\"a\u{1}b\"", "\"abc", "\"\u{E9}\u{65E5}\"", "[]", "[1,]", "[1 2]",
        "[[[]]]", #"{"a":{"b":[1,{"c":null}]}}"#, #"{"a":1,}"#, #"{"a" 1}"#, "{a:1}", #"{"a":[1,{"b":}]}"#, "{",
        "[", "", "NaN", "+1",
    ]

    static func full(_ text: String) -> Result<JSONValue, JSONParseError> {
        do { return .success(try JSONValue(parsing: Array(text.utf8))) } catch { return .failure(error) }
    }

    static func picked(_ text: String) -> Result<[JSONValue?]?, JSONParseError> {
        do { return .success(try members(keep, of: Array(text.utf8))) } catch { return .failure(error) }
    }

    @Test(arguments: values)
    func aSkippedOrKeptMemberIsCheckedLikeAFullParse(value: String) throws {
        for document in [
            #"{"type":"t","skip":\#(value)}"#, #"{"skip":\#(value),"type":"t"}"#, #"{"keep":\#(value)}"#,
            #"{"sk\u0069p":\#(value), "keep" : 2 }"#, "[\(value)]", value,
        ] {
            switch (Self.full(document), Self.picked(document)) {
            case (.failure(let expected), .failure(let got)):
                #expect(got.kind == expected.kind, "\(document)")
                #expect(got.offset == expected.offset, "\(document)")
                #expect(got.message == expected.message, "\(document)")
            case (.success(let whole), .success(let members)):
                guard let members else {
                    #expect(whole.object == nil, "\(document): an object must give its members")
                    continue
                }
                #expect(members.count == 3)
                #expect(members[0] == whole["type"], "\(document)")
                #expect(members[1] == whole["keep"], "\(document)")
                #expect(members[2] == nil)
            case (.success, .failure(let got)):
                Issue.record("\(document) parses, but the member reader threw \(got)")
            case (.failure(let expected), .success):
                Issue.record("\(document) must be rejected like the full parse (\(expected))")
            }
        }
    }

    @Test func theFirstOfARepeatedNameIsKeptAndEscapedNamesAreDecoded() throws {
        let members = try #require(
            try Self.members(
                Self.keep, of: Array(#"{"keep":1,"keep":2,"caf\u00e9":"x","type":{"deep":[true]}}"#.utf8)))
        #expect(members[0] == JSONValue.object([("deep", .array([.bool(true)]))]))
        #expect(members[1] == 1)
        #expect(members[2] == "x")
    }

    @Test func trailingTextAfterTheObjectIsRejected() {
        #expect(throws: JSONParseError.self) { try Self.members(Self.keep, of: Array(#"{"keep":1} x"#.utf8)) }
    }

    @Test func nestingBeyondTheLimitIsRejectedInSkippedMembersToo() {
        let deep = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        #expect(throws: JSONParseError.self) {
            try Self.members(Self.keep, of: Array(#"{"skip":\#(deep)}"#.utf8), maxDepth: 10)
        }
        #expect(throws: Never.self) { try Self.members(Self.keep, of: Array(#"{"skip":\#(deep)}"#.utf8)) }
    }

    /// Names are told apart by their bytes among those of the key's length: equal lengths, an
    /// empty name, a name asked for twice (the first slot gets it), keys longer than any name.
    /// Names that share a length and first and last bytes, repeated names and the empty name:
    /// each key finds the first slot of its name, and only its name.
    @Test func everyNameFindsItsFirstSlotAndNoOtherKeyFindsOne() {
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 2, 5, 10, 40] {
            for _ in 0..<50 {
                let names = (0..<count).map { _ in
                    String(
                        (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                            "axyb".randomElement(using: &generator)!
                        })
                }
                let table = JSONMemberNames(names)
                for length in 0...5 {
                    for _ in 0..<20 {
                        let key = String((0..<length).map { _ in "axyb".randomElement(using: &generator)! })
                        let found = Array(key.utf8).withUnsafeBufferPointer { table.slot(of: $0) }
                        #expect(found == names.firstIndex(of: key), "\(key) in \(names)")
                    }
                }
            }
        }
    }

    /// Long names sharing their first eight bytes (told apart by the rest), names sharing their
    /// first and last eight (told apart by the bytes between), and names of 63 bytes and more
    /// (kept together by the table of lengths).
    @Test func longNamesAreToldApartPastTheirFirstEightBytes() {
        var generator = SystemRandomNumberGenerator()
        let prefix = "prefix__"
        let suffix = "__suffix"
        func middle(_ letters: String, _ lengths: ClosedRange<Int>) -> String {
            String((0..<Int.random(in: lengths)).map { _ in letters.randomElement()! })
        }
        let names =
            (0..<30).map { _ in prefix + middle("ab", 0...6) }
            + (0..<30).map { _ in prefix + middle("ab", 1...4) + suffix }
            + [String(repeating: "n", count: 63), String(repeating: "n", count: 70), "prefix_", "prefix__"]
        let table = JSONMemberNames(names)
        for _ in 0..<4000 {
            let key =
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: names.randomElement(using: &generator)!
                case 1: prefix + middle("abc", 0...7)
                default: prefix + middle("abc", 1...5) + suffix
                }
            let found = Array(key.utf8).withUnsafeBufferPointer { table.slot(of: $0) }
            #expect(found == names.firstIndex(of: key), "\(key)")
        }
        for key in [String(repeating: "n", count: 64), String(repeating: "n", count: 69), "prefix", "prefix__x"]
        where !names.contains(key) {
            #expect(Array(key.utf8).withUnsafeBufferPointer { table.slot(of: $0) } == nil, "\(key)")
        }
    }

    @Test func namesOfEqualLengthsAndRepeatedNamesFindTheirSlots() throws {
        let names = JSONMemberNames(["ab", "cd", "ab", "longer-name", "", "ef"])
        let document = #"{"cd":1,"ab":2,"zz":3,"longer-name":4,"":5,"far-longer-than-any-name":6,"ef":7,"a":8}"#
        let found = try #require(try Self.members(names, of: Array(document.utf8)))
        #expect(found.map { $0?.int } == [2, 1, nil, 4, 5, 7])
    }
}
