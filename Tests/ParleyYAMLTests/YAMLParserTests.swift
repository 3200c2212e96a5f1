import Testing
@testable import ParleyYAML

@Suite struct YAMLParserTests {
    func parse(_ text: String, limits: YAMLLimits = .default) throws -> YAMLNode? {
        try YAMLParser.parse(text, file: "t.yaml", limits: limits)
    }

    func error(_ text: String, limits: YAMLLimits = .default) -> YAMLError? {
        do {
            _ = try YAMLParser.parse(text, file: "t.yaml", limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func everyNodeKeepsItsLineAndColumn() throws {
        let root = try #require(
            try parse(
                """
                flow: demo
                steps:
                  - send: hello
                  - expect: { pattern: /hi/i }
                """))
        #expect(root.location == SourceLocation(file: "t.yaml", line: 1, column: 1))
        let pairs = try #require(root.mapping)
        #expect(pairs[0].key.location.line == 1)
        #expect(pairs[0].value.location == SourceLocation(file: "t.yaml", line: 1, column: 7))
        let steps = try #require(root["steps"]?.sequence)
        #expect(steps[0].location == SourceLocation(file: "t.yaml", line: 3, column: 5))
        let send = try #require(steps[0]["send"])
        #expect(send.string == "hello")
        #expect(send.location == SourceLocation(file: "t.yaml", line: 3, column: 11))
        let pattern = try #require(steps[1]["expect"]?["pattern"])
        #expect(pattern.location == SourceLocation(file: "t.yaml", line: 4, column: 24))
        #expect(pattern.string == "/hi/i")
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let root = try #require(try parse("greeting: héllo\nnämé: x\n"))
        let value = try #require(root["nämé"])
        #expect(value.location.column == 7)
    }

    @Test func scalarStylesAreKept() throws {
        let root = try #require(try parse("a: plain\nb: 'single'\nc: \"double\"\nd: |\n  literal\ne: >\n  folded\n"))
        #expect(root["a"]?.scalar?.style == .plain)
        #expect(root["b"]?.scalar?.style == .singleQuoted)
        #expect(root["c"]?.scalar?.style == .doubleQuoted)
        #expect(root["d"]?.scalar == YAMLScalar(value: "literal\n", style: .literal))
        #expect(root["e"]?.scalar?.style == .folded)
    }

    @Test func nullsAreRecognisedOnlyWhenPlain() throws {
        let root = try #require(try parse("a:\nb: ~\nc: null\nd: 'null'\n"))
        #expect(root["a"]?.isNull == true)
        #expect(root["b"]?.isNull == true)
        #expect(root["c"]?.isNull == true)
        #expect(root["d"]?.isNull == false)
    }

    @Test func emptyInputHasNoDocument() throws {
        #expect(try parse("") == nil)
        #expect(try parse("# only a comment\n") == nil)
    }

    @Test func syntaxErrorsKeepLibyamlsProblemAndPosition() throws {
        let e = try #require(error("flow: a\nsteps: [\n  - send: x\n"))
        #expect(e.location.file == "t.yaml")
        #expect(e.location.line >= 2)
        #expect(!e.message.isEmpty)

        let colon = try #require(error("a: b: c\n"))
        #expect(colon.location == SourceLocation(file: "t.yaml", line: 1, column: 5))
        #expect(colon.message == "mapping values are not allowed in this context")
    }

    @Test func unclosedQuoteNamesTheContext() throws {
        let e = try #require(error("a: \"open\nb: c\n"))
        #expect(e.message.contains("while scanning a quoted scalar at line 1, column 4"))
    }

    @Test func tabIndentationGetsAFriendlyMessage() throws {
        let e = try #require(error("steps:\n\t- send: x\n"))
        #expect(e.location.line == 2)
        #expect(e.message.contains("tab"))
    }

    @Test func duplicateKeysAreErrorsAtTheSecondKey() throws {
        let e = try #require(error("flow: a\nsteps: []\nflow: b\n"))
        #expect(e.location == SourceLocation(file: "t.yaml", line: 3, column: 1))
        #expect(e.message == "duplicate key `flow` (first defined at line 1, column 1)")
    }

    @Test func duplicateKeysInNestedFlowMappings() throws {
        let e = try #require(error("x: { a: 1, a: 2 }\n"))
        #expect(e.location == SourceLocation(file: "t.yaml", line: 1, column: 12))
    }

    @Test func nonScalarKeysAreRefused() throws {
        let e = try #require(error("? [a, b]\n: c\n"))
        #expect(e.message.contains("mapping key must be a plain value"))
    }

    @Test func nestingBeyondTheLimitIsAnErrorWithALocation() throws {
        let deep = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(try parse(deep, limits: YAMLLimits(maxDepth: 10)) != nil)
        let e = try #require(error(deep, limits: YAMLLimits(maxDepth: 9)))
        #expect(e.location == SourceLocation(file: "t.yaml", line: 1, column: 10))
        #expect(e.message == "nesting is deeper than the limit of 9 levels")
    }

    @Test func veryDeepInputDoesNotCrash() throws {
        let deep = String(repeating: "[", count: 100_000)
        let e = try #require(error(deep))
        #expect(e.message.contains("nesting"))
    }

    @Test func filesOverTheSizeLimitAreRefused() throws {
        let big = String(repeating: "a: b\n", count: 300)
        let e = try #require(error(big, limits: YAMLLimits(maxBytes: 1024)))
        #expect(e.location == SourceLocation(file: "t.yaml", line: 1, column: 1))
        #expect(e.message == "file is 1500 bytes; the limit is 1024 bytes")
    }

    @Test func anchorsAndAliasesWork() throws {
        let root = try #require(try parse("base: &b { name: x }\ncopy: *b\n"))
        #expect(root["copy"]?["name"]?.string == "x")
    }

    @Test func mergeKeysMergeWithExplicitKeysWinning() throws {
        let root = try #require(try parse("base: &b { a: 1, b: 2 }\nderived:\n  <<: *b\n  b: 3\n"))
        let derived = try #require(root["derived"])
        #expect(derived["a"]?.string == "1")
        #expect(derived["b"]?.string == "3")
        #expect(derived.mapping?.count == 2)
    }

    @Test func aliasBombsAreRefused() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            text += "a\(i): &a\(i) [\(refs)]\n"
        }
        let e = try #require(error(text))
        #expect(e.message.contains("expands to more than"))
    }

    @Test func unknownAliasIsAnError() throws {
        let e = try #require(error("a: *nope\n"))
        #expect(e.message.contains("*nope"))
    }

    @Test func aSecondDocumentIsRefused() throws {
        let e = try #require(error("a: 1\n---\nb: 2\n"))
        #expect(e.location.line == 2)
        #expect(e.message.contains("second"))
    }

    @Test func invalidUTF8IsReportedAtItsPosition() throws {
        var bytes = Array("a: ok\nb: ".utf8)
        bytes.append(0xFF)
        bytes += Array("\n".utf8)
        do {
            _ = try YAMLParser.parse(bytes: bytes, file: "t.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.location.line == 2)
            #expect(error.message.contains("UTF-8"))
        }
    }

    @Test func controlCharactersAreRefusedNotCrashing() throws {
        let bytes: [UInt8] = [0x61, 0x3A, 0x20, 0x00, 0x01, 0x0A]
        #expect(throws: YAMLError.self) { try YAMLParser.parse(bytes: bytes, file: "t.yaml") }
    }

    @Test func explicitTagsAreKept() throws {
        let root = try #require(try parse("a: !include steps.yaml\n"))
        #expect(root["a"]?.tag == "!include")
    }

    @Test func kindDescriptionsReadWell() throws {
        let root = try #require(try parse("s: text\nn: 3\nb: true\nl: [1]\nm: {a: 1}\nz:\n"))
        #expect(root["s"]?.kindDescription == "a string")
        #expect(root["n"]?.kindDescription == "a number")
        #expect(root["b"]?.kindDescription == "a boolean")
        #expect(root["l"]?.kindDescription == "a list")
        #expect(root["m"]?.kindDescription == "a mapping")
        #expect(root["z"]?.kindDescription == "null")
    }

    /// The tree as compact text: `{k: v}`, `[a, b]`, scalars as written.
    func dump(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let s): return s.value
        case .sequence(let items): return "[" + items.map(dump).joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { dump($0.key) + ": " + dump($0.value) }.joined(separator: ", ") + "}"
        }
    }

    @Test func nestedCollectionsKeepTheirOwnChildren() throws {
        let root = try #require(
            try parse(
                """
                a:
                  - x: [1, 2]
                    y: { p: [q, { r: s }] }
                  - [3, [4, 5], 6]
                b: { c: [], d: {} }
                e: tail
                """))
        #expect(dump(root) == "{a: [{x: [1, 2], y: {p: [q, {r: s}]}}, [3, [4, 5], 6]], b: {c: [], d: {}}, e: tail}")
        let inner = try #require(root["a"]?.sequence?[1].sequence?[1])
        #expect(inner.location == SourceLocation(file: "t.yaml", line: 4, column: 9))
    }

    @Test func aliasesShareTheirAnchorsNodeAndLocation() throws {
        let root = try #require(try parse("base: &b [1, {k: v}]\nuse: [*b, *b]\n"))
        #expect(dump(root) == "{base: [1, {k: v}], use: [[1, {k: v}], [1, {k: v}]]}")
        let copy = try #require(root["use"]?.sequence?[1])
        #expect(copy.location == SourceLocation(file: "t.yaml", line: 1, column: 7))
    }

    @Test func mergeKeysFromAListKeepTheFirstMapsKeys() throws {
        let root = try #require(
            try parse("a: &a { x: 1, y: 1 }\nb: &b { y: 2, z: 2 }\nc:\n  w: 0\n  <<: [*a, *b]\n  x: 3\n"))
        #expect(dump(try #require(root["c"])) == "{w: 0, x: 3, y: 1, z: 2}")
        #expect(try parse("k: { '<<': quoted }\n").flatMap { $0["k"]?["<<"]?.string } == "quoted")
    }

    @Test func mergingWhatIsNotAMappingIsAnError() throws {
        let scalar = try #require(error("a: { <<: text }\n"))
        #expect(scalar.message == "`<<` merges a mapping or a list of mappings, not a string")
        let item = try #require(error("m: &m { a: 1 }\nb:\n  <<: [*m, 3]\n"))
        #expect(item.message == "`<<` merges mappings, not a number")
        #expect(item.location == SourceLocation(file: "t.yaml", line: 3, column: 12))
    }

    @Test func duplicateKeysAreFoundInLargeMappingsToo() throws {
        let keys = (1...20).map { "k\($0): \($0)\n" }.joined()
        #expect(try parse(keys)?.mapping?.count == 20)
        let e = try #require(error(keys + "k17: again\n"))
        #expect(e.location == SourceLocation(file: "t.yaml", line: 21, column: 1))
        #expect(e.message == "duplicate key `k17` (first defined at line 17, column 1)")
        let late = try #require(error(keys + "k21: 1\nk21: 2\n"))
        #expect(late.message == "duplicate key `k21` (first defined at line 21, column 1)")
    }

    @Test func nodesMadeInCodeCopyWhatTheyAreGiven() throws {
        let parsed = try #require(try parse("list: !custom [a, { b: c }]\n"))
        let here = SourceLocation(file: "<code>", line: 1, column: 1)
        let made = YAMLNode(
            mapping: [
                YAMLPair(
                    key: YAMLNode(scalar: YAMLScalar(value: "copied"), at: here), value: try #require(parsed["list"])),
                YAMLPair(
                    key: YAMLNode(scalar: YAMLScalar(value: "copied"), at: here),
                    value: YAMLNode(scalar: YAMLScalar(value: "second", style: .singleQuoted), at: here, tag: "!t")),
            ], at: here)
        #expect(dump(made) == "{copied: [a, {b: c}], copied: second}")
        #expect(made.location == here)
        let list = try #require(made["copied"])
        #expect(list.tag == "!custom")
        #expect(list.location == SourceLocation(file: "t.yaml", line: 1, column: 7))
        let pairs = try #require(made.mapping)
        #expect(pairs.firstIndex(ofKey: "copied") == 0)
        #expect(pairs.lastIndex(ofKey: "copied") == 1)
        #expect(pairs.lastIndex(ofKey: "absent") == nil)
        #expect(pairs[1].value.scalar == YAMLScalar(value: "second", style: .singleQuoted))
        #expect(pairs[1].value.tag == "!t")
    }

    @Test func keysMatchAsStringsDo() throws {
        // A decomposed é in the file matches a precomposed one asked for, as `String` equality has it.
        let root = try #require(try parse("cafe\u{301}: 1\nK: 2\n"))
        let pairs = try #require(root.mapping)
        #expect(pairs.firstIndex(ofKey: "caf\u{E9}") == 0)
        #expect(pairs.keyText(at: 1) == "K")
        #expect(pairs.lastIndex(ofKey: "\u{212A}") == 1)
        #expect(root["\u{212A}"]?.string == "2")
    }

    @Test func aListOrOneNodeReadsAsAList() throws {
        let root = try #require(try parse("one: x\nmany: [x, y]\n"))
        #expect(root["one"]?.asList.map(dump) == ["x"])
        #expect(root["many"]?.asList.map(dump) == ["x", "y"])
    }
}
