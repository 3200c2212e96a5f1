import Foundation
import Testing
@testable import ParleyFlow
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

    /// Patterns that are plain text are searched for without ICU in ASCII replies; what they find
    /// must be what ICU finds, in every reply.
    @Test func literalPatternsFindWhatICUFinds() throws {
        let texts = [
            "What's your order number?", "ORDER NUMBER: 42", "order numbe", "", "an order number, another order number",
            "Order\nNumber", "order number", "no match here", "Ordnung", "ſtatus of order", "KELVIN \u{212A}",
            "caf\u{E9} order number", "dots... and (brackets)", "tab\there",
        ]
        let patterns = [
            ("order number", ""), ("order number", "i"), ("Order", "i"), ("ORD-1042", ""), ("status", "i"),
            ("kelvin k", "i"), ("s", "i"), ("k", "i"), ("tab", "m"), ("here", "s"), ("order number", "x"),
        ]
        for (pattern, flags) in patterns {
            let compiled = try RegexPattern(
                source: Template(literal: pattern, location: SourceLocation(file: "f.yaml", line: 1, column: 1)),
                flags: flags
            ).compile(scope)
            var options: NSRegularExpression.Options = flags.contains("i") ? [.caseInsensitive] : []
            if flags.contains("x") { options.insert(.allowCommentsAndWhitespace) }
            let icu = try NSRegularExpression(pattern: pattern, options: options)
            for text in texts {
                let expected = icu.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)).flatMap {
                    Range($0.range, in: text).map { String(text[$0]) }
                }
                #expect(compiled.firstMatch(in: text)?.first ?? nil == expected, "/\(pattern)/\(flags) in \(text)")
            }
        }
        #expect(CompiledRegex.literalBytes("order number", extended: false) != nil)
        for pattern in ["order.number", "a|b", "x+", #"\d"#, "(a)", "[a]", "a{2}", "^a", "a$", "caf\u{E9}", "a?"] {
            #expect(CompiledRegex.literalBytes(pattern, extended: false) == nil, "\(pattern)")
        }
        #expect(CompiledRegex.literalBytes("a b", extended: true) == nil)
        #expect(CompiledRegex.literalBytes("a#b", extended: true) == nil)
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
