import Testing
import ParleyJSON

/// The parser against RFC 8259, case by case in the manner of JSONTestSuite: documents every parser
/// must accept, documents every parser must reject (each with where the error is reported), and the
/// cases the RFC leaves to the implementation, with the choice made here.
@Suite struct JSONConformanceTests {
    static func parse(_ bytes: [UInt8], maxDepth: Int = 512) -> Result<JSONValue, JSONParseError> {
        do {
            return .success(try JSONValue(parsing: bytes, maxDepth: maxDepth))
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Accepted

    @Test(
        arguments: [
            ("[]", "[]"),
            ("{}", "{}"),
            (" \t\r\n[ 1 , 2 ]\n", "[1,2]"),
            ("[null, true, false]", "[null,true,false]"),
            ("\"top-level string\"", "\"top-level string\""),
            ("42", "42"),
            ("null", "null"),
            (
                "[0, -0, 0.5, -1.25, 10, 1e2, 1E2, 1e+2, 1e-2, -1.5E-10, 0e0]",
                "[0,-0,0.5,-1.25,10,1e2,1E2,1e+2,1e-2,-1.5E-10,0e0]"
            ),
            ("[1.0, 1.50, 100e-2]", "[1.0,1.50,100e-2]"),
            (#"{"":0,"a":{"b":[{}]}}"#, #"{"":0,"a":{"b":[{}]}}"#),
            (#"["\"\\\/\b\f\n\r\t"]"#, #"["\"\\/\u0008\u000c\n\r\t"]"#),
            (#"["\u0041\u00e9\u65E5\uD834\uDD1E"]"#, "[\"Aé日𝄞\"]"),
            ("[\"é日本🎉\"]", "[\"é日本🎉\"]"),
            (#"["\u0000"]"#, #"["\u0000"]"#),
            ("[\"\u{7F}\"]", "[\"\u{7F}\"]"),
            (#"["\u2028\u2029"]"#, "[\"\u{2028}\u{2029}\"]"),
            ("[[[[[]]]]]", "[[[[[]]]]]"),
        ] as [(String, String)])
    func validDocumentsParseAndSerializeCompactly(input: String, compact: String) throws {
        let value = try JSONValue(parsing: input)
        #expect(value.serialized == compact)
        #expect(try JSONValue(parsing: value.serialized) == value, "what is written reads back the same")
    }

    // MARK: - Rejected

    @Test(
        arguments: [
            // Numbers: leading zeros, bare signs and points, hexadecimal, non-finite words.
            ("[01]", .invalidNumber, 1),
            ("[-01]", .invalidNumber, 2),
            ("[00]", .invalidNumber, 1),
            ("[1.]", .invalidNumber, 3),
            ("[.5]", .unexpectedCharacter, 1),
            ("[1e]", .invalidNumber, 3),
            ("[1e+]", .invalidNumber, 4),
            ("[1.5E]", .invalidNumber, 5),
            ("[-]", .invalidNumber, 2),
            ("[+1]", .unexpectedCharacter, 1),
            ("[0x10]", .expectedComma, 2),
            ("[NaN]", .unexpectedCharacter, 1),
            ("[Infinity]", .unexpectedCharacter, 1),
            ("[-Infinity]", .invalidNumber, 2),
            // Structure: trailing commas, missing separators, names that are not strings, comments.
            ("[1,]", .unexpectedCharacter, 3),
            ("[1,,2]", .unexpectedCharacter, 3),
            ("[,1]", .unexpectedCharacter, 1),
            (#"{"a":1,}"#, .expectedName, 7),
            ("[1 2]", .expectedComma, 3),
            (#"{"a" 1}"#, .expectedColon, 5),
            ("{a:1}", .expectedName, 1),
            ("{'a':1}", .expectedName, 1),
            ("['a']", .unexpectedCharacter, 1),
            (#"{"a":1 /* no */}"#, .expectedComma, 7),
            ("[1] // no", .extraData, 4),
            // Literals are lowercase and whole.
            ("[tru]", .invalidLiteral, 1),
            ("[True]", .unexpectedCharacter, 1),
            ("[nul", .unexpectedEnd, 1),
            // Trailing garbage and missing ends.
            ("[1] x", .extraData, 4),
            ("[1]]", .extraData, 3),
            ("{}{}", .extraData, 2),
            ("", .unexpectedEnd, 0),
            ("   ", .unexpectedEnd, 3),
            ("[", .unexpectedEnd, 1),
            ("[1", .expectedComma, 2),
            (#"{"a":"#, .unexpectedEnd, 5),
            // Strings: unterminated, bad escapes, raw control characters, unpaired surrogates.
            (#"["abc"#, .unterminatedString, 1),
            (#"["\x"]"#, .invalidEscape, 2),
            (#"["\u00"]"#, .invalidUnicodeEscape, 6),
            (#"["\u12G4"]"#, .invalidUnicodeEscape, 6),
            ("[\"a\tb\"]", .controlCharacter, 3),
            ("[\"a\nb\"]", .controlCharacter, 3),
            ("[\"\u{1}\"]", .controlCharacter, 2),
            (#"["\uD800"]"#, .loneSurrogate, 2),
            (#"["\uD800x"]"#, .loneSurrogate, 2),
            (#"["\uD800\u0041"]"#, .loneSurrogate, 2),
            (#"["\uD800\uD800"]"#, .loneSurrogate, 2),
            (#"["a\uDC00"]"#, .loneSurrogate, 3),
            // Whitespace is space, tab, newline and carriage return only.
            ("[\u{A0}1]", .unexpectedCharacter, 1),
            ("[\u{C}1]", .unexpectedCharacter, 1),
        ] as [(String, JSONParseError.Kind, Int)])
    func invalidDocumentsAreRejectedWhereTheyGoWrong(input: String, kind: JSONParseError.Kind, offset: Int) {
        switch Self.parse(Array(input.utf8)) {
        case .success(let value): Issue.record("`\(input)` must not parse, got \(value.serialized)")
        case .failure(let error):
            #expect(error.kind == kind, "\(input): \(error)")
            #expect(error.offset == offset, "\(input): \(error)")
        }
    }

    @Test(
        arguments: [
            ([0x22, 0xFF, 0x22], "a byte that never occurs in UTF-8"),
            ([0x22, 0x80, 0x22], "a continuation byte with no lead"),
            ([0x22, 0xC0, 0xAF, 0x22], "an overlong `/`"),
            ([0x22, 0xE0, 0x80, 0xAF, 0x22], "an overlong three-byte form"),
            ([0x22, 0xED, 0xA0, 0x80, 0x22], "a surrogate encoded directly"),
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "a code point above U+10FFFF"),
            ([0x22, 0xE6, 0x97, 0x22], "a sequence cut short"),
            ([0x22, 0xE6, 0x97], "a sequence cut short by the end"),
        ] as [([UInt8], String)])
    func invalidUTF8InAStringIsRejected(bytes: [UInt8], why: String) {
        guard case .failure(let error) = Self.parse(bytes) else {
            Issue.record("\(why) must not parse")
            return
        }
        #expect(error.kind == .invalidUTF8, "\(why): \(error)")
        #expect(error.offset == 1, "\(why): \(error)")
    }

    @Test func errorsGiveLineAndColumnCountingCharacters() throws {
        let document = "{\n  \"name\": \"José\",\n  \"id\": 0123\n}"
        guard case .failure(let error) = Self.parse(Array(document.utf8)) else {
            Issue.record("a leading zero must not parse")
            return
        }
        #expect(error.kind == .invalidNumber)
        #expect((error.line, error.column) == (3, 9))
        #expect(error.description == "invalid number: leading zeros are not allowed at line 3, column 9 (byte 29)")
        guard case .failure(let wide) = Self.parse(Array("[\"日本\", 01]".utf8)) else { return }
        #expect((wide.line, wide.column, wide.offset) == (1, 8, 11), "columns count characters, offsets bytes")
    }

    // MARK: - Implementation-defined (RFC 8259 §4, §6, §8, §9)

    /// Numbers of any size or precision are accepted and kept as written, so nothing is rounded on
    /// the way through; conversions say when a value does not fit.
    @Test func hugeAndTinyNumbersAreKeptAsWritten() throws {
        let value = try JSONValue(parsing: "[1e400, -1e400, 1e-400, 123456789012345678901234567890.5, 1E999999999999]")
        #expect(value.serialized == "[1e400,-1e400,1e-400,123456789012345678901234567890.5,1E999999999999]")
        #expect(value[0]?.double == nil, "beyond Double's range there is no Double")
        #expect(value[2]?.double == 0, "below its precision the Double is 0")
        #expect(value[3]?.double == 1.2345678901234568e29)
        let digits = String(repeating: "7", count: 1_000)
        #expect(try JSONValue(parsing: digits).serialized == digits)
    }

    /// `-0` is kept as written and equals `0`.
    @Test func negativeZeroIsKeptAndEqualsZero() throws {
        let value = try JSONValue(parsing: "[-0, -0.0, 0]")
        #expect(value.serialized == "[-0,-0.0,0]")
        #expect(value[0] == value[2])
        #expect(value[1] == 0)
        #expect(value[0]?.int == 0)
    }

    /// Integers beyond 2^53 (where `Double` stops being exact) and beyond 64 bits keep every digit.
    @Test func bigIntegersKeepEveryDigit() throws {
        let value = try JSONValue(
            parsing: #"{"a":9007199254740993,"b":12345678901234567890,"c":-9223372036854775808,"d":1e2}"#)
        #expect(
            value.serialized == #"{"a":9007199254740993,"b":12345678901234567890,"c":-9223372036854775808,"d":1e2}"#)
        #expect(value["a"]?.int == 9_007_199_254_740_993)
        #expect(value["a"] != .int(9_007_199_254_740_992), "a Double would have made these equal")
        #expect(value["b"]?.int == nil, "beyond Int")
        #expect(value["b"]?.number?.exactly(UInt64.self) == 12_345_678_901_234_567_890)
        #expect(value["c"]?.int == Int.min)
        #expect(value["d"]?.int == 100)
        #expect(value["b"]?.scalarText == "12345678901234567890")
    }

    /// Repeated member names are all kept, in order, so a document is written back as it came;
    /// looking a name up finds the first.
    @Test func duplicateNamesAreKeptAndTheFirstIsFound() throws {
        let value = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        #expect(value.serialized == #"{"a":1,"b":2,"a":3}"#)
        #expect(value["a"] == 1)
    }

    /// Nesting is capped (512 levels by default, the sandbox uses 64) so a hostile document cannot
    /// exhaust the stack; the error says where the limit was crossed.
    @Test func nestingDeeperThanTheLimitIsRejected() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try JSONValue(parsing: ok).serialized == ok)
        let deep = Array((String(repeating: "[", count: 513) + String(repeating: "]", count: 513)).utf8)
        guard case .failure(let error) = Self.parse(deep) else {
            Issue.record("513 levels must not parse")
            return
        }
        #expect(error.kind == .tooDeep)
        #expect(error.offset == 512)
        guard case .failure(let small) = Self.parse(Array(#"{"a":{"b":[1]}}"#.utf8), maxDepth: 2) else {
            Issue.record("3 levels must not parse under a limit of 2")
            return
        }
        #expect(small.kind == .tooDeep)
    }

    /// Objects and arrays wider than the parser's first room for open members (16), nested in each
    /// other, read back member for member in their order; a document that breaks off inside
    /// them fails cleanly, however many members were open.
    @Test func wideNestedContainersReadBackWhole() throws {
        let wide = JSONValue.object(
            (0..<40).map { member in
                (
                    "m\(member)",
                    .array(
                        (0..<(member % 3 == 0 ? 40 : 3)).map { item in
                            item % 2 == 0
                                ? .object([("i", .number(JSONNumber(item))), ("s", .string("\(member)-\(item)"))])
                                : .string("x\(item)")
                        })
                )
            })
        for text in [wide.serialized, wide.prettySerialized] {
            #expect(try JSONValue(parsing: text) == wide)
            for cut in [text.utf8.count / 3, text.utf8.count / 2, text.utf8.count - 1] {
                guard case .failure = Self.parse(Array(text.utf8.prefix(cut))) else {
                    Issue.record("a document cut at \(cut) bytes must not parse")
                    continue
                }
            }
        }
    }

    /// A byte order mark before the document is skipped (RFC 8259 §8.1 allows it); anywhere else it
    /// is an unexpected character.
    @Test func aLeadingByteOrderMarkIsSkipped() throws {
        #expect(try JSONValue(parsing: [0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
        guard case .failure(let error) = Self.parse(Array("[1]".utf8) + [0xEF, 0xBB, 0xBF]) else {
            Issue.record("a byte order mark after the value must not parse")
            return
        }
        #expect(error.kind == .extraData)
    }

    /// Output far past the writer's first kilobyte, in steps small and large (a string longer than
    /// everything written before it, escapes at the edges of a run), is the text written by hand
    /// and reads back the same, compact and indented.
    @Test func longOutputIsWrittenWhole() throws {
        var items: [JSONValue] = []
        var expected = "["
        for length in [0, 1, 1023, 1024, 1025, 5000, 70_000] {
            let text = String(repeating: "a", count: length)
            items.append(.string(text))
            expected += (items.count > 1 ? "," : "") + "\"\(text)\""
        }
        items.append(.string("\u{1}" + String(repeating: "\"", count: 3000) + "\n"))
        expected += ",\"\\u0001" + String(repeating: "\\\"", count: 3000) + "\\n\"]"
        let value = JSONValue.array(items)
        #expect(value.serialized == expected)
        #expect(try JSONValue(parsing: value.prettySerialized) == value)
        let deep = (0..<300).reduce(JSONValue.string("x")) { inner, level in .object([("k\(level)", inner)]) }
        #expect(try JSONValue(parsing: deep.prettySerialized) == deep)
        #expect(deep.prettySerialized.utf8.count > 90_000, "300 levels of indentation")
    }

    /// A dictionary is written in key order, small (sorted by insertion) or large, the same bytes
    /// as its tree.
    @Test func dictionariesAreWrittenInKeyOrder() {
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 2, 3, 4, 5, 15, 16, 17, 40] {
            for _ in 0..<20 {
                var map: [String: Int] = [:]
                while map.count < count {
                    let key = String(
                        (0..<Int.random(in: 0...3, using: &generator)).map { _ in "ab_Zé".randomElement()! })
                    map[key] = Int.random(in: 0...9, using: &generator)
                }
                let keys = map.keys.sorted()
                let expected = "{" + keys.map { "\"\($0)\":\(map[$0]!)" }.joined(separator: ",") + "}"
                #expect(String(decoding: map.jsonBytes, as: UTF8.self) == expected, "\(map)")
                #expect(map.jsonBytes == map.json.bytes)
            }
        }
    }

    /// The writer that writes records in place nests as deep as the tree's writer, past the 64
    /// containers it keeps as bits, byte for byte the same text, compact and indented.
    @Test(arguments: [false, true])
    func theRecordWriterNestsLikeTheTreeWriter(pretty: Bool) {
        // Depth 32 reaches 64 containers (its innermost `[]`), 33 goes past.
        for depth in [1, 31, 32, 33, 130] {
            var writer = JSONWriter(pretty: pretty)
            writer.beginArray()
            for level in 1..<depth {
                writer.beginObject()
                writer.key("k\(level)")
                writer.beginArray()
            }
            writer.string("x")
            writer.beginArray()
            writer.endArray()
            for _ in 1..<depth {
                writer.endArray()
                writer.endObject()
                writer.beginObject()
                writer.endObject()
            }
            writer.endArray()
            var tree = JSONValue.array([.string("x"), .array([])])
            for level in (1..<depth).reversed() {
                tree = .array([.object([("k\(level)", tree)]), .object([])])
            }
            #expect(writer.bytes == (pretty ? tree.prettyBytes : tree.bytes), "depth \(depth)")
        }
    }

    /// Indentation is two spaces a level at every depth, below and past the eight levels written
    /// sixteen spaces at a time, and what follows it is written over the spaces stored beyond it.
    @Test func indentationIsTwoSpacesALevelAtEveryDepth() {
        func reference(_ depth: Int, _ level: Int = 0) -> String {
            let indent = { (level: Int) in String(repeating: " ", count: 2 * level) }
            guard depth > 0 else { return #"{\#n\#(indent(level + 1))"k": "x"\#n\#(indent(level))}"# }
            return "[\n" + indent(level + 1) + reference(depth - 1, level + 1) + ",\n" + indent(level + 1) + "1\n"
                + indent(level) + "]"
        }
        for depth in 0...20 {
            var tree = JSONValue.object([("k", .string("x"))])
            for _ in 0..<depth { tree = .array([tree, 1]) }
            #expect(tree.prettySerialized == reference(depth), "depth \(depth)")
        }
    }

    /// Strings are escaped wherever the character falls, before, inside or across the eight-byte
    /// words the writer steps over, and bytes that only resemble `"` or `\\` in their low bits
    /// (the tails of `¢` and `Ü`, 0xA2 and 0x9C) or `DEL` are written as they are.
    @Test func everyPositionIsEscaped() throws {
        func reference(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        for special in ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1f}", "¢", "Ü", "\u{7f}", "é\"\\"] {
            for position in 0..<20 {
                let text =
                    String(repeating: "a", count: position) + special + String(repeating: "b", count: 19 - position)
                let value = JSONValue.string(text)
                #expect(value.serialized == reference(text), "\(special.debugDescription) at \(position)")
                #expect(try JSONValue(parsing: value.serialized) == value)
            }
            // Every length from empty to past five words, the character at the start, middle or end.
            for length in 0...40 {
                let plain = String(repeating: "k", count: length)
                let middle = plain.index(plain.startIndex, offsetBy: length / 2)
                for text in [
                    special + plain, String(plain[..<middle]) + special + String(plain[middle...]), plain + special,
                ] {
                    let value = JSONValue.string(text)
                    #expect(value.serialized == reference(text), "\(special.debugDescription) in \(length)")
                    #expect(try JSONValue(parsing: value.serialized) == value)
                }
            }
        }
    }

    /// The parser steps over plain ASCII eight bytes at a time: a raw control character or a byte
    /// that is not UTF-8 is refused wherever it falls, before, inside or across those words, and a
    /// string ends at its quote wherever that falls.
    @Test func everyPositionIsCheckedWhenParsed() throws {
        for position in 0..<20 {
            let before = [UInt8](repeating: UInt8(ascii: "a"), count: position)
            let after = [UInt8](repeating: UInt8(ascii: "b"), count: 19 - position)
            for bad: [UInt8] in [[0x01], [0x1F], [0x0A], [0x80], [0xC3], [0xFF]] {
                let document = [UInt8(ascii: "\"")] + before + bad + after + [UInt8(ascii: "\"")]
                #expect(throws: JSONParseError.self, "\(bad) at \(position)") { try JSONValue(parsing: document) }
                // After an escape too, where the rest of the string is read a plain run at a time.
                let escaped = Array(#""\n"#.utf8) + before + bad + after + [UInt8(ascii: "\"")]
                #expect(throws: JSONParseError.self, "\(bad) at \(position), after an escape") {
                    try JSONValue(parsing: escaped)
                }
            }
            let text = String(repeating: "x", count: position)
            #expect(
                try JSONValue(parsing: "[\"\(text)\",\"\(text)é\",\"\(text)\\t\"]")
                    == .array([.string(text), .string(text + "é"), .string(text + "\t")]))
            #expect(
                try JSONValue(parsing: "[\"\\t\(text)\",\"\\t\(text)é\(text)\\\"\(text)\"]")
                    == .array([.string("\t" + text), .string("\t" + text + "é" + text + "\"" + text)]))
        }
    }
}
