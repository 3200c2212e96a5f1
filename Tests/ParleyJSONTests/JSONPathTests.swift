import Testing
import ParleyJSON

/// The path subset of `provider: http`: what each step reaches, and where a bad path is wrong.
@Suite struct JSONPathTests {
    static let document: JSONValue = [
        "reply": ["text": "Hello", "id": 7],
        "messages": [["text": "first", "echo": true], ["text": "second"], ["text": "third", "done": nil]],
        "key with spaces": ["it's": "quoted"],
        "empty": [],
        "x-request-id": "abc",
    ]

    @Test(
        arguments: [
            ("$", [document]),
            ("$.reply.text", ["Hello"]),
            ("$.reply.id", [7]),
            ("$['reply']['text']", ["Hello"]),
            ("$[\"reply\"].text", ["Hello"]),
            ("$['key with spaces']['it\\'s']", ["quoted"]),
            ("$.x-request-id", ["abc"]),
            ("$.messages[0].text", ["first"]),
            ("$.messages[-1].text", ["third"]),
            ("$.messages[-3].text", ["first"]),
            ("$.messages[*].text", ["first", "second", "third"]),
            ("$.messages.*.text", ["first", "second", "third"]),
            ("$.reply[*]", ["Hello", 7]),
            ("$.messages[*].echo", [true]),
            ("$.messages[2].done", [nil]),
        ] as [(String, [JSONValue])])
    func aPathReachesTheValuesItNames(path: String, expected: [JSONValue]) throws {
        #expect(try JSONPath(parsing: path).evaluate(Self.document) == expected)
    }

    @Test(arguments: [
        "$.missing", "$.reply.text.deeper", "$.messages[3]", "$.messages[-4]", "$.reply[0]", "$.messages.text",
        "$.empty[*]", "$.empty[0]",
    ])
    func aPathThatDoesNotApplyReachesNothing(path: String) throws {
        #expect(try JSONPath(parsing: path).evaluate(Self.document).isEmpty)
    }

    @Test(
        arguments: [
            ("reply.text", 0, "a path starts with `$`"),
            ("", 0, "a path starts with `$`"),
            ("$.reply..text", 7, "recursive descent (`..`) is not supported"),
            ("$.", 1, "a name must follow `.`"),
            ("$.reply.[0]", 8, "`[` cannot start a name after `.`"),
            ("$[0", 3, "expected `]`"),
            ("$.a[", 3, "`[` is not closed"),
            ("$['open", 2, "the quoted name is not closed"),
            ("$[x]", 2, "`[` takes a number"),
            ("$[-]", 2, "an index is a whole number"),
            ("$[1.5]", 3, "expected `]`"),
            ("$reply", 1, "unexpected `r`"),
            ("$.a b", 3, "unexpected ` `"),
        ] as [(String, Int, String)])
    func aBadPathSaysWhatIsWrongAndWhere(path: String, offset: Int, message: String) {
        do {
            _ = try JSONPath(parsing: path)
            Issue.record("`\(path)` must not parse")
        } catch {
            #expect(error.offset == offset, "\(path): \(error.message)")
            #expect(error.message.hasPrefix(message), "\(path): \(error.message)")
        }
    }
}
