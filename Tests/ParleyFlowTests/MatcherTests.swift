import Testing
import ParleyFlow
import ParleyYAML

@Suite struct MatcherTests {
    let scope = VariableScope(persona: nil, scenario: nil, environment: [:])

    func contains(_ needle: String, _ text: String) throws -> Bool {
        try Matcher.contains(Template(literal: needle, location: SourceLocation(file: "f.yaml", line: 1, column: 1)))
            .matches(text, scope: scope)
    }

    @Test(arguments: [
        ("refund", "Your REFUND was issued.", true),
        ("Ticket T-42", "ticket t-42 opened", true),
        ("order number", "What is your order?", false),
        ("", "anything", true),
        ("longer than the text", "short", false),
        ("abc", "ababc", true),
        ("café", "Un CAFE, s'il vous plaît", true),
        ("über", "Die Grösse ÜBER alles", true),
        ("naïve", "quite naive", true),
        ("crème", "la creme brulee", true),
        ("straße", "STRASSE", true),
        ("ß", "ss", true),
    ])
    func containsIgnoresCaseAndDiacritics(needle: String, text: String, expected: Bool) throws {
        #expect(try contains(needle, text) == expected)
    }
}

/// What a placeholder may name, and what it may not.
struct PlaceholderNameTests {
    @Test(arguments: [
        ("${persona.name}", "${persona.name}"), ("${scenario.objective}", "${scenario.objective}"),
        ("${case.order_id}", "${case.order_id}"), ("${env.API_KEY}", "${env.API_KEY}"), ("${ticket}", "${ticket}"),
        ("${ persona.first-name }", "${persona.first-name}"), ("${_x1}", "${_x1}"), ("${café}", "${café}"),
    ])
    func namesThatAreRead(_ text: String, _ reference: String) throws {
        let sink = DiagnosticSink()
        let template = try #require(Template.parse(text, at: Self.here, columnOffset: 0, sink: sink))
        #expect(template.references.map(\.0.description) == [reference])
        #expect(sink.diagnostics.isEmpty)
    }

    @Test(arguments: ["${.foo}", "${persona.}", "${a..b}", "${user.name}", "${persona..x}", "${1st}", "${env.a.b}"])
    func namesThatAreNot(_ text: String) {
        let sink = DiagnosticSink()
        #expect(Template.parse(text, at: Self.here, columnOffset: 0, sink: sink) == nil)
        #expect(sink.diagnostics.map(\.message).allSatisfy { $0.contains("is not a variable name") })
    }

    static let here = SourceLocation(file: "t.yaml", line: 1, column: 1)
}

/// `/pattern/flags` is read the same whether the text is ASCII (by byte) or not (by character).
struct RegexLiteralTests {
    @Test(
        arguments: [
            ("/abc/i", "abc", "i"), ("/a/b/", "a/b", ""), ("//", "", ""), ("/status: (.+)/ms", "status: (.+)", "ms"),
            ("/日本/i", "日本", "i"), ("/café/", "café", ""), ("/x/é", "x", "é"), ("/x/1", nil, nil),
            ("/x/i ", nil, nil), ("/", nil, nil), ("plain /x/", nil, nil), ("/\u{301}x/", nil, nil),
            ("/x/\u{301}", nil, nil),
        ] as [(String, String?, String?)])
    func literalsAreSplit(_ text: String, _ pattern: String?, _ flags: String?) {
        let read = NodeReader.regexLiteral(text)
        #expect(read?.0 == pattern)
        #expect(read?.1 == flags)
    }
}
